package llm

import "github.com/libsse/libsse/go-shim/streamapi"

// responsesEvent reads an OpenAI Responses API event. The event's kind is
// its data `type` (the `event:` name when data has none). Content:
// `response.output_text.delta`, `response.refusal.delta` and
// `response.reasoning_text.delta` with a non-empty `delta`. Terminal:
// `response.completed`, `response.incomplete`, `response.failed` (their
// `response` carries status, incomplete_details, usage and error). Errors:
// `error` (`code`, `message`) and `response.failed`.
func (r *Reader) responsesEvent(ev *streamapi.Event) StepKind {
	p := scanner{s: ev.Data}
	if !p.open('{') {
		return StepMalformed
	}
	var typ, delta, code, msg string
	var rsp responseObject
	for first := true; ; first = false {
		k, ok := p.key(first)
		if !ok {
			break
		}
		switch k {
		case "type":
			typ, _ = p.str()
		case "delta":
			delta, _ = p.str()
		case "response":
			rsp.read(&p)
		case "code":
			code = rawScalar(&p)
		case "message":
			msg, _ = p.str()
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
	r.setID(rsp.id)
	if rsp.hasUsage {
		r.usageOut, r.usageIn = rsp.outputTokens, rsp.inputTokens
	}
	switch typ {
	case "response.output_text.delta", "response.refusal.delta", "response.reasoning_text.delta":
		if delta != "" {
			return StepContent
		}
	case "response.completed":
		r.finishRaw = "completed"
		return StepDone
	case "response.incomplete":
		r.finishRaw = rsp.incompleteReason
		if r.finishRaw == "" {
			r.finishRaw = "incomplete"
		}
		return StepDone
	case "response.failed":
		r.setError("response.failed", rsp.errCode, rsp.errMsg)
		return StepDone
	case "error":
		r.setError(code, code, msg)
		return StepError
	}
	return StepOther
}

// responseObject is what the Responses reader needs of a `response` object.
type responseObject struct {
	id, incompleteReason, errCode, errMsg string
	hasUsage                              bool
	inputTokens, outputTokens             int64
}

func (o *responseObject) read(p *scanner) {
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
			o.id, _ = p.str()
		case "incomplete_details":
			if p.open('{') {
				for f := true; ; f = false {
					dk, ok := p.key(f)
					if !ok {
						break
					}
					if dk == "reason" {
						o.incompleteReason, _ = p.str()
					} else {
						p.skip()
					}
				}
			}
		case "error":
			if p.peek() == '{' {
				_, o.errCode, o.errMsg = errorFields(p)
			} else {
				p.skip()
			}
		case "usage":
			if p.open('{') {
				for f := true; ; f = false {
					uk, ok := p.key(f)
					if !ok {
						break
					}
					switch uk {
					case "output_tokens":
						o.outputTokens, o.hasUsage = p.int()
					case "input_tokens":
						o.inputTokens, _ = p.int()
					default:
						p.skip()
					}
				}
			}
		default:
			p.skip()
		}
	}
}
