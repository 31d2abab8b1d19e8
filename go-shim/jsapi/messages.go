package jsapi

import (
	"sort"
	"strings"
)

// libsse's messages name its options as its request JSON does
// ("raise max_line_bytes if this is expected"); a script sets them as
// sse.open params (maxLineBytes). scriptNames rewrites the one into the
// other, from the same table that maps the params (extraParams).
var scriptNames = func() *strings.Replacer {
	keys := sortedKeys(extraParams)
	// Longer libsse keys first, so that none is cut short by another.
	sort.SliceStable(keys, func(i, j int) bool {
		return len(extraParams[keys[i]].key) > len(extraParams[keys[j]].key)
	})
	var pairs []string
	for _, param := range keys {
		key := extraParams[param].key
		name := param
		if option, ok := k6OptionOf[param]; ok {
			name = param + " (k6 option " + option + ")"
		}
		if key != name {
			pairs = append(pairs, key, name)
		}
	}
	return strings.NewReplacer(pairs...)
}()

// k6OptionOf names the k6 option that sets the same libsse key as a param,
// so that a message names both ways to change it.
var k6OptionOf = map[string]string{"redirects": "maxRedirects"}

// scriptMessage is a libsse message in the script's terms.
func scriptMessage(msg string) string { return scriptNames.Replace(msg) }

// scriptError is an error whose message is in the script's terms; it
// unwraps to the original.
type scriptError struct{ err error }

func (e scriptError) Error() string { return scriptMessage(e.err.Error()) }
func (e scriptError) Unwrap() error { return e.err }
