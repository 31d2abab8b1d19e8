package llm

import (
	"testing"

	"github.com/libsse/libsse/go-shim/streamapi"
)

func TestScannerSkipsEveryValueKind(t *testing.T) {
	doc := `{"a":[1,-2.5e3,{"x":"}]\"{"}],"b":null,"c":true,"d":{"e":[[]]},"id":"k\"ey"}`
	p := scanner{s: doc}
	if !p.open('{') {
		t.Fatal("not an object")
	}
	var keys []string
	var id string
	for first := true; ; first = false {
		k, ok := p.key(first)
		if !ok {
			break
		}
		keys = append(keys, k)
		if k == "id" {
			id, _ = p.str()
		} else {
			p.skip()
		}
	}
	if p.bad || len(keys) != 5 || unquote(id) != `k"ey` {
		t.Errorf("bad=%v keys=%v id=%q", p.bad, keys, id)
	}
}

func TestScannerRejectsBrokenInput(t *testing.T) {
	for _, doc := range []string{`{"a":`, `{"a" 1}`, `{"a":1 "b":2}`, `{"a":"open`, `{"a":[1,2}`, `{"a":}`, `{`} {
		p := scanner{s: doc}
		p.open('{')
		for first := true; ; first = false {
			if _, ok := p.key(first); !ok {
				break
			}
			p.skip()
		}
		if !p.bad {
			t.Errorf("%s: accepted", doc)
		}
	}
}

// FuzzReader: no input makes Event panic or loop, in any format.
func FuzzReader(f *testing.F) {
	for _, s := range []string{oaRole, oaUsage, oaError, rDone, rFailed, aStart, aMDelta, aError, `{"choices":[{"delta":`, `[DONE]`, `{"a":[[[[`, `"\`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data string) {
		for _, fm := range []Format{FormatAuto, FormatOpenAI, FormatOpenAIResponses, FormatAnthropic} {
			r := NewReader(fm, 1)
			r.Event(&streamapi.Event{Data: data, TimeNS: 2})
			_ = r.Result()
		}
	})
}
