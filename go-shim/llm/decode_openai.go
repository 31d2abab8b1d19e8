package llm

import "github.com/libsse/libsse/go-shim/streamapi"

// openAIEvent reads a chat completions or legacy completions chunk:
// `{"id":…,"choices":[{"delta":{"content":…}|"text":…,"finish_reason":…}],"usage":…}`,
// `[DONE]`, or an error: `{"error":{"message","type","code"}}`, vLLM's
// `{"object":"error","message","type","code"}`, or an `event: error` event.
func (r *Reader) openAIEvent(ev *streamapi.Event) StepKind {
	if ev.Data == "[DONE]" {
		return StepDone
	}
	p := scanner{s: ev.Data}
	if !p.open('{') {
		return StepMalformed
	}
	var (
		content                bool
		object, typ, msg, code string
		errObj                 bool
	)
	for first := true; ; first = false {
		k, ok := p.key(first)
		if !ok {
			break
		}
		switch k {
		case "id":
			id, _ := p.str()
			r.setID(id)
		case "choices":
			if p.open('[') {
				for f := true; p.elem(f); f = false {
					content = r.openAIChoice(&p) || content
				}
			}
		case "usage":
			r.openAIUsage(&p)
		case "error":
			errObj = true
			if p.peek() == '{' {
				typ, code, msg = errorFields(&p)
			} else {
				msg, _ = p.str()
			}
		case "object":
			object, _ = p.str()
		case "type":
			typ, _ = p.str()
		case "message":
			msg, _ = p.str()
		case "code":
			code = rawScalar(&p)
		default:
			p.skip()
		}
	}
	if p.bad {
		return StepMalformed
	}
	if errObj || object == "error" || typ == "error" || ev.Type == "error" {
		r.setError(typ, code, msg)
		return StepError
	}
	if content {
		return StepContent
	}
	return StepOther
}

// openAIChoice reads one element of choices; true when it carries text.
func (r *Reader) openAIChoice(p *scanner) bool {
	content := false
	if !p.open('{') {
		return false
	}
	for first := true; ; first = false {
		k, ok := p.key(first)
		if !ok {
			return content
		}
		switch k {
		case "delta":
			if p.open('{') {
				for f := true; ; f = false {
					dk, ok := p.key(f)
					if !ok {
						break
					}
					switch dk {
					case "content", "reasoning_content", "reasoning":
						s, _ := p.str()
						content = content || s != ""
					default:
						p.skip()
					}
				}
			}
		case "text":
			s, _ := p.str()
			content = content || s != ""
		case "finish_reason":
			if s, ok := p.str(); ok && s != "" {
				r.finishRaw = s
			}
		default:
			p.skip()
		}
	}
}

// openAIUsage reads `usage` (null is skipped).
func (r *Reader) openAIUsage(p *scanner) {
	if !p.open('{') {
		return
	}
	for first := true; ; first = false {
		k, ok := p.key(first)
		if !ok {
			return
		}
		switch k {
		case "completion_tokens":
			if n, ok := p.int(); ok {
				r.usageOut = n
			}
		case "prompt_tokens":
			if n, ok := p.int(); ok {
				r.usageIn = n
			}
		default:
			p.skip()
		}
	}
}

// errorFields reads an error object's type, code and message (raw).
func errorFields(p *scanner) (typ, code, msg string) {
	if !p.open('{') {
		return
	}
	for first := true; ; first = false {
		k, ok := p.key(first)
		if !ok {
			return
		}
		switch k {
		case "type":
			typ, _ = p.str()
		case "message":
			msg, _ = p.str()
		case "code":
			code = rawScalar(p)
		default:
			p.skip()
		}
	}
}

// rawScalar returns a string's raw content or a number's text ("" for null
// and for objects, which are skipped).
func rawScalar(p *scanner) string {
	switch c := p.peek(); {
	case c == '"':
		s, _ := p.rawString()
		return s
	case c == '-' || (c >= '0' && c <= '9'):
		start := p.i
		p.skipScalar()
		return p.s[start:p.i]
	}
	p.skip()
	return ""
}
