package tracking

// State is the widget state of a parcel (DESIGN.md §3). Its string value is
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

// Color returns the suggested widget colour as "#rrggbb".
func (s State) Color() string {
	switch s {
	case StateStopped:
		return "#cfd4da" // light grey
	case StateNoBalance:
		return "#111111" // black
	case StateNoTrack:
		return "#9aa0a6" // grey
	case StateTrackError:
		return "#d4148c" // magenta
	case StateDelivered:
		return "#2e9d4a" // green
	case StateReturned:
		return "#e53935" // red
	case StateLost:
		return "#8b1a1a" // dark red
	case StateStale:
		return "#5f6368" // dark grey
	case StateArrived:
		return "#ffd54f" // light amber
	case StateWaiting:
		return "#ffa000" // amber
	case StateWaitingLong:
		return "#8d5524" // dark amber / brown
	case StateProbablyArrived:
		return "#8e44ad" // violet
	case StateInTransit:
		return "#1e88e5" // blue
	case StateRegistered:
		return "#81d4fa" // light blue
	}
	return "#9aa0a6"
}

// TextColor returns a readable text colour ("#000000" or "#ffffff") for a
// label drawn on Color.
func (s State) TextColor() string {
	switch s {
	case StateStopped, StateArrived, StateWaiting, StateRegistered:
		return "#000000"
	}
	return "#ffffff"
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
