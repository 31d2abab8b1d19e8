//go:build cgo

package libsse

// Every #cgo line of the module lives here. libsse.a is linked statically
// so the k6 binary stands alone. To link a libsse.a from elsewhere, set
// CGO_LDFLAGS="-L/path/to/dir" (searched before the directory below) and
// CGO_CFLAGS="-I/path/to/include".

/*
#cgo CFLAGS: -I${SRCDIR}/../../include
#cgo LDFLAGS: -L${SRCDIR}/../../target/release -l:libsse.a -lm -ldl -pthread
#include <stdlib.h>
#include "sse.h"
*/
import "C"
