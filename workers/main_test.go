package workers_test

import (
	"os"
	"testing"

	"parceltrack/storage/storagetest"
)

var server = storagetest.NewServer()

func TestMain(m *testing.M) {
	code := m.Run()
	server.Close()
	os.Exit(code)
}
