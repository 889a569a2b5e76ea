package html_test

import (
	"testing"

	"github.com/dbinspect/dbinspect/internal/fixtures"
)

// TestMain removes the uncompressed fixture copies after the tests.
func TestMain(m *testing.M) { fixtures.Main(m) }
