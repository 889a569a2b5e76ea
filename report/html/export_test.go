package html

// The browser helpers, for the external test that renders a real report.
var (
	ChromiumPath    = chromiumPath
	ArtifactDir     = artifactDir
	RunChromium     = runChromium
	ConsoleMessages = consoleMessages
	DecodePNG       = decodePNG
	ScreenshotStats = screenshotStats
	NearByte        = nearByte
	Palette         = palette
)
