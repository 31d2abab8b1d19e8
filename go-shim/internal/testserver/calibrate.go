package testserver

import (
	"encoding/json"
	"fmt"
	"os/exec"
)

// Calibration is what tests check of `sse-testserver calibrate --json`'s
// report (docs/testserver.md, "Calibration"): how a client's figures pair
// with the truth log, and their error distributions (ms, client − truth).
type Calibration struct {
	Paired           int  `json:"paired"`
	UnmatchedClient  int  `json:"unmatched_client"`
	ItlCountMismatch int  `json:"itl_count_mismatch"`
	TTFT             Dist `json:"ttft"`
	ITL              Dist `json:"itl"`
	Send             Dist `json:"send"`
	Receive          Dist `json:"receive"`
	// Report is the whole JSON report, for failure messages.
	Report string `json:"-"`
}

// Dist is one error distribution of the report.
type Dist struct {
	Count int     `json:"count"`
	Min   float64 `json:"min"`
}

// Calibrate runs `sse-testserver calibrate` on a truth log and a client's
// figures (k6 JSON output, a guidellm report or calibrate's CSV).
func Calibrate(truth, client string) (*Calibration, error) {
	out, err := exec.Command(Binary(), "calibrate", "--truth", truth, "--client", client, "--json").Output()
	if err != nil {
		return nil, fmt.Errorf("calibrate %s: %w", client, err)
	}
	c := &Calibration{Report: string(out)}
	if err := json.Unmarshal(out, c); err != nil {
		return nil, fmt.Errorf("calibrate %s: %w", client, err)
	}
	return c, nil
}
