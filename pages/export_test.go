package pages

// ForEachLen exposes forEachLen to the external tests.
func (f *File) ForEachLen(bucket string, fn func(k []byte, vlen int) error) error {
	return f.forEachLen(bucket, fn)
}
