package cli

import (
	"context"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"

	"github.com/flare-lakehouse/flare/internal/plan"
	"github.com/flare-lakehouse/flare/internal/stream"
	"github.com/flare-lakehouse/flare/internal/workflow"
)

// signals is the command's handling of SIGINT and SIGTERM: while a stream
// job runs, the first signal asks it to finish its batch and stop (exit 0)
// and a second one cancels the context (the batch is aborted, nothing of it
// committed); otherwise the first signal cancels the context.
type signals struct {
	stop      chan struct{}
	streaming atomic.Bool
}

// signalContext returns the command's context and a function that stops
// listening.
func (a *app) signalContext() (context.Context, func()) {
	ctx, cancel := context.WithCancel(context.Background())
	a.sig = &signals{stop: make(chan struct{})}
	ch := make(chan os.Signal, 2)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case <-ch:
		case <-done:
			return
		}
		if a.sig.streaming.Load() {
			close(a.sig.stop)
			a.progress().Printf("stopping: the stream finishes its batch (signal again to abort)\n")
			select {
			case <-ch:
			case <-done:
				return
			}
		}
		cancel()
	}()
	return ctx, func() {
		signal.Stop(ch)
		close(done)
		cancel()
	}
}

// streamJobs lets r run stream jobs (internal/stream).
func (a *app) streamJobs(r *workflow.Runner) {
	r.StreamJob = func(ctx context.Context, job *plan.Job) ([]workflow.OutputReport, error) {
		sr := &stream.Runner{Base: r, Options: stream.Options{Out: a.stderr, Environ: os.Environ(), Logger: r.Logger}}
		if a.sig != nil {
			a.sig.streaming.Store(true)
			defer a.sig.streaming.Store(false)
			sr.Stop = a.sig.stop
		}
		return sr.Run(ctx, job)
	}
}
