package insalessandbox_test

import (
	"testing"

	insalessandbox "parceltrack/sandbox/insales"
	"parceltrack/sandbox/insales/storetest"
)

func TestMemoryStoreContract(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(*testing.T) insalessandbox.Store { return &insalessandbox.Memory{} })
}
