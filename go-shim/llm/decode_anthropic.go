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
	if !p.open('{') {
		return StepMalformed
	}
	var typ, text, stop, errType, errMsg string
	for first := true; ; first = false {
		k, ok := p.key(first)
		if !ok {
			break
		}
		switch k {
		case "type":
			typ, _ = p.str()
		case "message":
			r.anthropicMessage(&p)
		case "delta":
			text, stop = anthropicDelta(&p)
		case "usage":
			r.anthropicUsage(&p, true)
		case "error":
			errType, _, errMsg = errorFields(&p)
		default:
			p.skip()
		}
	}
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
		r.setError(errType, "", errMsg)
		return StepError
	}
	return StepOther
}

// anthropicMessage reads message_start's message: id and input tokens.
func (r *Reader) anthropicMessage(p *scanner) {
	if !p.open('{') {
		return
	}
	for first := true; ; first = false {
		k, ok := p.key(first)
		if !ok {
			return
		}
		switch k {
		case "id":
			id, _ := p.str()
			r.setID(id)
		case "usage":
			r.anthropicUsage(p, false)
		default:
			p.skip()
		}
	}
}

// anthropicUsage reads a usage object; output tokens only from message_delta.
func (r *Reader) anthropicUsage(p *scanner, final bool) {
	if !p.open('{') {
		return
	}
	for first := true; ; first = false {
		k, ok := p.key(first)
		if !ok {
			return
		}
		switch {
		case k == "input_tokens":
			if n, ok := p.int(); ok {
				r.usageIn = n
			}
		case k == "output_tokens" && final:
			if n, ok := p.int(); ok {
				r.usageOut = n
			}
		default:
			p.skip()
		}
	}
}

// anthropicDelta returns a delta's text (text or thinking) and stop reason.
func anthropicDelta(p *scanner) (text, stop string) {
	if !p.open('{') {
		return
	}
	for first := true; ; first = false {
		k, ok := p.key(first)
		if !ok {
			return
		}
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
	}
}
