package billing_test

import (
	"os"
	"testing"

	"parceltrack/storage/storagetest"
)

// server is the one embedded database server of this test package.
var server = storagetest.NewServer()

func TestMain(m *testing.M) {
	code := m.Run()
	server.Close()
	os.Exit(code)
}
