package kubevalue

import (
	"testing"

	"github.com/dbinspect/dbinspect/internal/fixtures"
)

func TestMain(m *testing.M) { fixtures.Main(m) }
