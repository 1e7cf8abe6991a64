package workflow

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// Progress shows what is running. On a terminal it keeps one live line
// with the elapsed time; elsewhere it prints a plain line when each piece
// of work starts and ends.
type Progress struct {
	w     io.Writer
	live  bool
	mu    sync.Mutex
	label string
	start time.Time
	stop  chan struct{}
	done  chan struct{}
}

// NewProgress writes to w; live selects the terminal form.
func NewProgress(w io.Writer, live bool) *Progress {
	if w == nil {
		w = io.Discard
	}
	return &Progress{w: w, live: live}
}

// Begin marks the start of a piece of work.
func (p *Progress) Begin(label string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.label, p.start = label, time.Now()
	if !p.live {
		fmt.Fprintf(p.w, "▶ %s\n", label)
		return
	}
	p.stop, p.done = make(chan struct{}), make(chan struct{})
	go p.tick(p.stop, p.done, label, p.start)
}

func (p *Progress) tick(stop, done chan struct{}, label string, start time.Time) {
	defer close(done)
	t := time.NewTicker(200 * time.Millisecond)
	defer t.Stop()
	spin := []string{"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"}
	for i := 0; ; i++ {
		p.mu.Lock()
		fmt.Fprintf(p.w, "\r\033[K%s %s  %s", spin[i%len(spin)], label, fmtDuration(time.Since(start)))
		p.mu.Unlock()
		select {
		case <-stop:
			return
		case <-t.C:
		}
	}
}

// End marks the end of the piece of work Begin started; detail says what
// it produced (rows, files); err non-nil marks a failure.
func (p *Progress) End(detail string, err error) {
	p.mu.Lock()
	stop, done := p.stop, p.done
	p.stop, p.done = nil, nil
	p.mu.Unlock()
	if stop != nil {
		close(stop)
		<-done
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	mark := "✓"
	if err != nil {
		mark = "✗"
		detail = "failed"
	}
	line := strings.TrimSpace(fmt.Sprintf("%s %s  %s  %s", mark, p.label, detail, fmtDuration(time.Since(p.start))))
	if p.live {
		fmt.Fprintf(p.w, "\r\033[K%s\n", line)
	} else {
		fmt.Fprintln(p.w, line)
	}
}

// Printf writes a line of its own (plans, previews, warnings).
func (p *Progress) Printf(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.live && p.stop != nil {
		fmt.Fprint(p.w, "\r\033[K")
	}
	fmt.Fprintf(p.w, format, args...)
}

func fmtDuration(d time.Duration) string {
	switch {
	case d < time.Second:
		return fmt.Sprintf("%dms", d.Milliseconds())
	case d < time.Minute:
		return fmt.Sprintf("%.1fs", d.Seconds())
	}
	return d.Round(time.Second).String()
}

// FormatBytes prints a byte count with a binary unit.
func FormatBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
