package testuutil

import (
	"os"
	"testing"

	"github.com/DataDog/datadog-agent/rtloader/test/helpers"
)

func TestMain(m *testing.M) {
	os.Exit(helpers.Main(m, setupOptions, children))
}
