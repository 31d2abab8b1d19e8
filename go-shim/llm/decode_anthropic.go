package llm

import "github.com/libsse/libsse/go-shim/streamapi"

// anthropicEvent reads an Anthropic Messages event (kind: data `type`, else
// the `event:` name). Content: `content_block_delta` whose delta is a
// non-empty `text_delta` or `thinking_delta`. `message_start` gives the id
// and input tokens; `message_delta` the stop reason and the final output
// tokens (message_start's output_tokens is a placeholder and is ignored);
// `message_stop` ends; `error` (`{"error":{"type","message"}}`) is an error.
func (r *Reader) anthropicEvent(ev *streamapi.Event) StepKind {
	p := scanner{s: ev.Data}
	if p.peek() != '{' {
		return StepMalformed
	}
	var typ, text, stop string
	var e errorFields
	p.members(func(k string) {
		switch k {
		case "type":
			typ, _ = p.str()
		case "message": // message_start
			p.members(func(k string) {
				switch k {
				case "id":
					id, _ := p.str()
					r.setID(id)
				case "usage":
					r.anthropicUsage(&p, false)
				default:
					p.skip()
				}
			})
		case "delta":
			p.members(func(k string) {
				switch k {
				case "text", "thinking":
					if s, _ := p.str(); s != "" {
						text = s
					}
				case "stop_reason":
					stop, _ = p.str()
				default:
					p.skip()
				}
			})
		case "usage": // message_delta
			r.anthropicUsage(&p, true)
		case "error":
			e.read(&p)
		default:
			p.skip()
		}
	})
	if p.bad {
		return StepMalformed
	}
	if typ == "" {
		typ = ev.Type
	}
	switch typ {
	case "content_block_delta":
		if text != "" {
			return StepContent
		}
	case "message_delta":
		if stop != "" {
			r.finishRaw = stop
		}
	case "message_stop":
		return StepDone
	case "error":
		r.setError(e.typ, "", e.msg)
		return StepError
	}
	return StepOther
}

// anthropicUsage reads a usage object; output tokens only when final
// (message_delta's running total, not message_start's placeholder).
func (r *Reader) anthropicUsage(p *scanner, final bool) {
	p.members(func(k string) {
		switch {
		case k == "input_tokens":
			p.intInto(&r.usageIn)
		case k == "output_tokens" && final:
			p.intInto(&r.usageOut)
		default:
			p.skip()
		}
	})
}
