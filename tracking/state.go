package tracking

// State is the widget state of a parcel (docs/state-model.md). Its string value is
// what is stored in the database and printed by the CLI.
type State string

// The states, listed in order of precedence: Classify returns the first one
// whose condition holds.
const (
	StateStopped         State = "stopped"
	StateNoBalance       State = "no_balance"
	StateNoTrack         State = "no_track"
	StateTrackError      State = "track_error"
	StateDelivered       State = "delivered"
	StateReturned        State = "returned"
	StateLost            State = "lost"
	StateStale           State = "stale"
	StateArrived         State = "arrived"
	StateWaiting         State = "waiting"
	StateWaitingLong     State = "waiting_long"
	StateProbablyArrived State = "probably_arrived"
	StateInTransit       State = "in_transit"
	StateRegistered      State = "registered"
)

// States returns every state in order of precedence (a fresh slice).
func States() []State {
	return []State{
		StateStopped, StateNoBalance, StateNoTrack, StateTrackError,
		StateDelivered, StateReturned, StateLost, StateStale,
		StateArrived, StateWaiting, StateWaitingLong, StateProbablyArrived,
		StateInTransit, StateRegistered,
	}
}

// ParseState converts a stored string back into a State.
func ParseState(s string) (State, bool) {
	for _, st := range States() {
		if string(st) == s {
			return st, true
		}
	}
	return "", false
}

// Terminal reports whether the parcel's journey is over: delivered, returned
// or lost. Terminal parcels are never polled again.
func (s State) Terminal() bool {
	switch s {
	case StateDelivered, StateReturned, StateLost:
		return true
	}
	return false
}

// Polled reports whether the carrier should still be asked about the parcel.
// Besides the terminal states, stale, stopped, track_error and no_track stop
// polling, and no_balance pauses it until the shop tops up (the wiring layer
// reclassifies after a top-up).
func (s State) Polled() bool {
	switch s {
	case StateArrived, StateWaiting, StateWaitingLong, StateProbablyArrived,
		StateInTransit, StateRegistered:
		return true
	}
	return false
}

// Waiting reports whether the parcel waits at the delivery point
// (arrived, waiting or waiting_long): the states that drive reminders.
func (s State) Waiting() bool {
	switch s {
	case StateArrived, StateWaiting, StateWaitingLong:
		return true
	}
	return false
}

// Palette returns the colours of the state's badge as "#rrggbb": the
// background and the text drawn on it. It is the one palette of the product:
// static/css/states.css is generated from it (see static/states_css_test.go),
// and the sandbox, the cabinet and the widget all paint badges with those
// classes. Every pair keeps at least 4.5:1 contrast (WCAG 2.x, normal text),
// because badges are small bold text that merchants read at a glance.
//
// The hues follow docs/state-model.md; the three waiting states are one amber hue
// that darkens as the buyer keeps the parcel waiting longer. An unknown state
// gets no_track's grey, the colour of "nothing to say".
func (s State) Palette() (bg, fg string) {
	switch s {
	case StateStopped:
		return "#d9d9d9", "#333333" // light grey
	case StateNoBalance:
		return "#111111", "#ffffff" // black
	case StateNoTrack:
		// A mid grey between stopped and stale; white text on it would need a
		// grey as dark as stale's, so the text is black.
		return "#8a8a8a", "#000000"
	case StateTrackError:
		return "#c2187a", "#ffffff" // magenta
	case StateDelivered:
		return "#2e7d32", "#ffffff" // green
	case StateReturned:
		return "#d32f2f", "#ffffff" // red
	case StateLost:
		return "#7f0000", "#ffffff" // dark red
	case StateStale:
		return "#555555", "#ffffff" // dark grey
	case StateArrived:
		return "#ffd28f", "#331f00" // light amber, hue 36°
	case StateWaiting:
		return "#f9a21f", "#331f00" // amber, hue 36°
	case StateWaitingLong:
		return "#8b5d18", "#ffffff" // dark amber / brown, hue 36°
	case StateProbablyArrived:
		return "#7b4fc9", "#ffffff" // violet
	case StateInTransit:
		return "#1e63c4", "#ffffff" // blue
	case StateRegistered:
		return "#a9d1f7", "#0b2e52" // light blue
	}
	return StateNoTrack.Palette()
}

// Label returns the Russian label shown to the merchant in the widget.
func (s State) Label() string {
	switch s {
	case StateStopped:
		return "Отслеживание остановлено"
	case StateNoBalance:
		return "Недостаточно средств на балансе"
	case StateNoTrack:
		return "Нет трек-номера"
	case StateTrackError:
		return "Ошибка в трек-номере"
	case StateDelivered:
		return "Вручено"
	case StateReturned:
		return "Возврат отправителю"
	case StateLost:
		return "Утеряно"
	case StateStale:
		return "Давно нет новостей"
	case StateArrived:
		return "Прибыло в отделение"
	case StateWaiting:
		return "Ожидает получения"
	case StateWaitingLong:
		return "Долго ожидает получения"
	case StateProbablyArrived:
		return "Вероятно, прибыло в отделение"
	case StateInTransit:
		return "В пути"
	case StateRegistered:
		return "Ожидает приёма почтой"
	}
	return "Неизвестное состояние"
}
