package privfile

import (
	"bytes"
	"os"
	"testing"
)

// A file from Create can be written, reopened by its path while open, and
// leaves nothing in its dir (on Linux, from the moment it exists).
func TestCreate(t *testing.T) {
	dir := t.TempDir()
	f, path, err := Create(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if Nameless {
		if names, _ := os.ReadDir(dir); len(names) != 0 {
			t.Errorf("dir holds %d entries while the file is open, want none", len(names))
		}
	}
	want := []byte("private copy")
	if _, err := f.Write(want); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reopening %s: %v", path, err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("read %q through %s, want %q", got, path, want)
	}
}
