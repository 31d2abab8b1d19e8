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
	if p.peek() != '{' {
		return StepMalformed
	}
	var (
		delta string
		e     errorFields
	)
	rsp := responseObject{inputTokens: -1, outputTokens: -1}
	p.members(func(k string) {
		switch k {
		case "delta":
			delta, _ = p.str()
		case "response":
			rsp.read(&p)
		default:
			if !e.member(&p, k) {
				p.skip()
			}
		}
	})
	if p.bad {
		return StepMalformed
	}
	typ := e.typ
	if typ == "" {
		typ = ev.Type
	}
	r.setID(rsp.id)
	if rsp.outputTokens >= 0 {
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
		r.setError("response.failed", rsp.err.code, rsp.err.msg)
		return StepDone
	case "error":
		r.setError(e.code, e.code, e.msg)
		return StepError
	}
	return StepOther
}

// responseObject is what the Responses reader needs of a `response` object.
type responseObject struct {
	id, incompleteReason      string
	err                       errorFields
	inputTokens, outputTokens int64 // -1 when absent
}

func (o *responseObject) read(p *scanner) {
	p.members(func(k string) {
		switch k {
		case "id":
			o.id, _ = p.str()
		case "incomplete_details":
			p.members(func(k string) {
				if k == "reason" {
					o.incompleteReason, _ = p.str()
				} else {
					p.skip()
				}
			})
		case "error":
			o.err.read(p)
		case "usage":
			p.members(func(k string) {
				switch k {
				case "output_tokens":
					p.intInto(&o.outputTokens)
				case "input_tokens":
					p.intInto(&o.inputTokens)
				default:
					p.skip()
				}
			})
		default:
			p.skip()
		}
	})
}
