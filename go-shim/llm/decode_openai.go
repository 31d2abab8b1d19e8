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
	if p.peek() != '{' {
		return StepMalformed
	}
	var (
		content        bool
		object, errMsg string
		e              errorFields
		errObj         bool
	)
	p.members(func(k string) {
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
			p.members(func(k string) {
				switch k {
				case "completion_tokens":
					p.intInto(&r.usageOut)
				case "prompt_tokens":
					p.intInto(&r.usageIn)
				default:
					p.skip()
				}
			})
		case "error":
			errObj = true
			if p.peek() == '{' {
				e.read(&p)
			} else {
				errMsg, _ = p.str()
			}
		case "object":
			object, _ = p.str()
		default:
			// vLLM's flat error object: type, message, code at the top.
			if !e.member(&p, k) {
				p.skip()
			}
		}
	})
	if p.bad {
		return StepMalformed
	}
	if errObj || object == "error" || e.typ == "error" || ev.Type == "error" {
		if e.msg == "" {
			e.msg = errMsg
		}
		r.setError(e.typ, e.code, e.msg)
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
	text := func() {
		s, _ := p.str()
		content = content || s != ""
	}
	p.members(func(k string) {
		switch k {
		case "delta":
			p.members(func(k string) {
				switch k {
				case "content", "reasoning_content", "reasoning":
					text()
				default:
					p.skip()
				}
			})
		case "text":
			text()
		case "finish_reason":
			if s, ok := p.str(); ok && s != "" {
				r.finishRaw = s
			}
		default:
			p.skip()
		}
	})
	return content
}

// errorFields are an error object's type, code and message (raw).
type errorFields struct{ typ, code, msg string }

// read reads an error object.
func (e *errorFields) read(p *scanner) {
	p.members(func(k string) {
		if !e.member(p, k) {
			p.skip()
		}
	})
}

// member reads k when it is one of the error fields.
func (e *errorFields) member(p *scanner, k string) bool {
	switch k {
	case "type":
		e.typ, _ = p.str()
	case "message":
		e.msg, _ = p.str()
	case "code":
		e.code = rawScalar(p)
	default:
		return false
	}
	return true
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
