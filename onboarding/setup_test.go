package onboarding_test

import (
	"errors"
	"slices"
	"testing"

	"parceltrack/onboarding"
	"parceltrack/shopapp"
)

func TestSetupRetryAndAdvance(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.throughCredentials(t)

	wantReason(t, func() error { _, err := w.svc.Advance(ctx, shop1, onboarding.StepSetup); return err }(), onboarding.ReasonSetupIncomplete)
	w.ins.setupErr = errors.New("insales: 503")
	st, err := w.svc.RunSetup(ctx, shop1)
	wantReason(t, err, onboarding.ReasonSetupFailed)
	if st.Complete || len(st.Steps) != 3 || st.Steps[0].Status != "failed" || st.Steps[0].LastError == "" {
		t.Fatalf("state after a failure: %+v", st)
	}
	w.ins.setupErr = nil
	if st, err = w.svc.RunSetup(ctx, shop1); err != nil || !st.Complete {
		t.Fatalf("retry: %+v %v", st, err)
	}
	for _, from := range []onboarding.Step{onboarding.StepSetup, onboarding.StepHowItWorks, onboarding.StepTexts} {
		next, err := w.svc.Advance(ctx, shop1, from)
		if err != nil || next != from.Next() {
			t.Fatalf("advance from %s: %s %v", from, next, err)
		}
	}
	// Going back to a visited page and on again never moves the step back.
	if next, err := w.svc.Advance(ctx, shop1, onboarding.StepSetup); err != nil || next != onboarding.StepHowItWorks {
		t.Fatal(next, err)
	}
	if got := onboarding.Current(w.shops.get(shop1)); got != onboarding.StepFinish {
		t.Fatalf("step %s after revisiting", got)
	}
	if err := w.svc.Finish(ctx, shop1); err != nil || !onboarding.Done(w.shops.get(shop1)) {
		t.Fatal(err)
	}
}

func TestStepGuards(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	wantReason(t, w.svc.VerifyCode(ctx, shop1, "123456"), onboarding.ReasonWrongStep)
	wantReason(t, w.svc.CheckCredentials(ctx, shop1, "PT-1", "k"), onboarding.ReasonWrongStep)
	_, err := w.svc.RunSetup(ctx, shop1)
	wantReason(t, err, onboarding.ReasonWrongStep)
	_, err = w.svc.Advance(ctx, shop1, onboarding.StepHowItWorks)
	wantReason(t, err, onboarding.ReasonWrongStep)
	wantReason(t, w.svc.Finish(ctx, shop1), onboarding.ReasonWrongStep)
	if w.ins.setupRuns != 0 {
		t.Fatal("setup ran before the merchant proved anything")
	}
	if _, err := w.svc.Shop(ctx, "nope"); !errors.Is(err, onboarding.ErrUnknownShop) {
		t.Fatalf("unknown shop: %v", err)
	}
}

func TestCanOpen(t *testing.T) {
	t.Parallel()
	tests := []struct {
		cur  onboarding.Step
		open []onboarding.Step
	}{
		{"", []onboarding.Step{onboarding.StepRegister}},
		{onboarding.StepCode, []onboarding.Step{onboarding.StepRegister, onboarding.StepCode}},
		{onboarding.StepCredentials, []onboarding.Step{onboarding.StepCredentials}},
		{onboarding.StepTexts, []onboarding.Step{onboarding.StepSetup, onboarding.StepHowItWorks, onboarding.StepTexts}},
		{onboarding.StepDone, []onboarding.Step{onboarding.StepSetup, onboarding.StepHowItWorks, onboarding.StepTexts, onboarding.StepFinish}},
	}
	for _, tt := range tests {
		m := shopapp.Shop{Wizard: shopapp.Wizard{Step: string(tt.cur)}}
		for _, st := range append(onboarding.Steps(), onboarding.StepDone) {
			if got, want := onboarding.CanOpen(m, st), slices.Contains(tt.open, st); got != want {
				t.Errorf("at %q: CanOpen(%s) = %v", tt.cur, st, got)
			}
		}
	}
}

func TestStatusSync(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.throughCredentials(t)
	w.ins.statuses = nil

	// Creating the suggested statuses fails midway, then a retry finishes
	// the job without creating any twice.
	w.ins.createErr, w.ins.failAfter = errors.New("insales: 500"), 2
	_, err := w.svc.CreateSuggestedStatuses(ctx, shop1)
	wantReason(t, err, onboarding.ReasonStatusesFailed)
	w.ins.createErr = nil
	n, err := w.svc.CreateSuggestedStatuses(ctx, shop1)
	if err != nil || n != 2 || len(w.ins.statuses) != 4 {
		t.Fatalf("retry created %d (%v), shop has %d statuses", n, err, len(w.ins.statuses))
	}
	if n, err := w.svc.CreateSuggestedStatuses(ctx, shop1); err != nil || n != 0 || len(w.ins.statuses) != 4 {
		t.Fatalf("third run created %d (%v)", n, err)
	}
	st, err := w.svc.Setup(ctx, shop1)
	if err != nil || st.StatusSyncOn || len(st.Statuses) != 4 {
		t.Fatalf("setup state %+v %v", st, err)
	}
	mapped := 0
	for _, s := range st.States {
		if s.Permalink != "" {
			mapped++
		}
	}
	if mapped != 4 {
		t.Fatalf("%d states preselected: %+v", mapped, st.States)
	}

	tests := []struct {
		name    string
		enabled bool
		mapping map[string]string
		want    onboarding.Reason
	}{
		{"on without any status", true, map[string]string{"arrived": ""}, onboarding.ReasonMappingEmpty},
		{"unknown status", true, map[string]string{"arrived": "no-such"}, onboarding.ReasonStatusUnknown},
		{"state that never moves orders", true, map[string]string{"stale": "s-1"}, onboarding.ReasonStatusUnknown},
		{"tampered permalink", true, map[string]string{"arrived": "<script>"}, onboarding.ReasonStatusUnknown},
		{"on with one status", true, map[string]string{"arrived": "s-2"}, ""},
		{"off and empty", false, nil, ""},
	}
	for _, tt := range tests {
		err := w.svc.SaveStatusSync(ctx, shop1, tt.enabled, tt.mapping)
		if tt.want != "" {
			wantReason(t, err, tt.want)
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if got := w.shops.get(shop1).Settings.StatusSync; got.Enabled != tt.enabled || len(got.Mapping) != len(tt.mapping) {
			t.Fatalf("%s: stored %+v", tt.name, got)
		}
	}
	w.ins.listErr = errors.New("insales: 503")
	wantReason(t, w.svc.SaveStatusSync(ctx, shop1, true, map[string]string{"arrived": "s-2"}), onboarding.ReasonStatusesFailed)
	if st, err := w.svc.Setup(ctx, shop1); err != nil || st.StatusesProblem == "" || st.Statuses != nil {
		t.Fatalf("setup while InSales is down: %+v %v", st, err)
	}
}
