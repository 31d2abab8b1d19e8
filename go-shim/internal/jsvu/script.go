package main

import (
	"fmt"
	"regexp"
)

// A k6 script becomes a plain script for sobek by three rewrites: the
// import of k6/x/sse binds its name to the module object jsvu provides
// (`__sse`); `export default function` assigns `__default`; other exports
// lose their keyword. Anything else a k6 script may import is refused, so a
// script never runs here with a silently missing module.
var (
	importSSE     = regexp.MustCompile(`(?m)^import\s+(\w+)\s+from\s+['"]k6/x/sse['"];?[ \t]*$`)
	otherImport   = regexp.MustCompile(`(?m)^import\s.*$`)
	exportDefault = regexp.MustCompile(`(?m)^export\s+default\s+function\b`)
	exportDecl    = regexp.MustCompile(`(?m)^export\s+(const|let|var|function)\s`)
)

func toPlainScript(src string) (string, error) {
	src = importSSE.ReplaceAllString(src, "const $1 = __sse;")
	if m := otherImport.FindString(src); m != "" {
		return "", fmt.Errorf("the only import jsvu provides is k6/x/sse; found %q", m)
	}
	if !exportDefault.MatchString(src) {
		return "", fmt.Errorf("the script has no `export default function`")
	}
	src = exportDefault.ReplaceAllString(src, "__default = function")
	src = exportDecl.ReplaceAllString(src, "$1 ")
	return "var __default;\n" + src, nil
}
