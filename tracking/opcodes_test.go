package tracking

import (
	"strings"
	"testing"
)

func TestOpcodesTable(t *testing.T) {
	t.Parallel()
	rows := 0
	for _, l := range strings.Split(strings.TrimSpace(opcodesTSV), "\n")[1:] {
		if strings.TrimSpace(l) != "" {
			rows++
		}
	}
	if got := len(operations.ops); got != rows || rows < 400 {
		t.Fatalf("parsed %d operations from %d rows", got, rows)
	}
	if _, err := parseOpcodes("h\nx\tname\t1\ta\t\tb\t\n"); err == nil {
		t.Error("parseOpcodes accepted a non-numeric type")
	}
	if _, err := parseOpcodes("h\n1\tname\t1\n"); err == nil {
		t.Error("parseOpcodes accepted a short line")
	}
	if _, err := parseOpcodes("h\n1\tn\t1\ta\t\tb\t\n1\tn\t1\ta\t\tb\t\n"); err == nil {
		t.Error("parseOpcodes accepted a duplicate code")
	}
}

func TestOperationName(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		typ, attr int
		want      string
	}{
		{"attribute name", 8, 2, "Прибыло в место вручения"},
		{"handed to addressee", 2, 1, "Вручение адресату"},
		{"storage countdown", 8, 42, "Истекает срок хранения (остался 1 день)"},
		{"listed attr without a name falls back to type", 2, 0, "Вручение"},
		{"attr 0 of a type without attributes", 18, 0, "Регистрация утраты"},
		{"unknown attr falls back to type", 8, 999, "Обработка"},
		{"unknown type", 777, 3, "Операция 777/3"},
		{"negative codes do not fail", -1, -1, "Операция -1/-1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := OperationName(tt.typ, tt.attr); got != tt.want {
				t.Errorf("OperationName(%d, %d) = %q, want %q", tt.typ, tt.attr, got, tt.want)
			}
		})
	}
}

func TestLookupOperation(t *testing.T) {
	t.Parallel()
	op, ok := LookupOperation(2, 2)
	if !ok || op.Bucket != "returned_to_sender" || !op.Terminal || op.TypeName != "Вручение" {
		t.Errorf("LookupOperation(2, 2) = %+v, %v", op, ok)
	}
	op, ok = LookupOperation(8, 999)
	if ok || op.TypeName != "Обработка" || op.Type != 8 || op.Attr != 999 {
		t.Errorf("LookupOperation(8, 999) = %+v, %v", op, ok)
	}
}

func TestEventDisplayName(t *testing.T) {
	t.Parallel()
	if got := (Event{Type: 8, Attr: 2, Name: "Прибыло в место вручения (ОПС)"}).DisplayName(); got != "Прибыло в место вручения (ОПС)" {
		t.Errorf("carrier name not kept: %q", got)
	}
	if got := (Event{Type: 1, Attr: 1}).DisplayName(); got != "Единичный" {
		t.Errorf("table name not used: %q", got)
	}
}

// TestCodeListsAgreeWithTable cross-checks the classifier's hand-written code
// lists against the table's buckets, so an edit to one shows up in the other.
func TestCodeListsAgreeWithTable(t *testing.T) {
	t.Parallel()
	for k, op := range operations.ops {
		t.Run(op.TypeName+"/"+op.AttrName, func(t *testing.T) {
			t.Parallel()
			if k.typ == 2 {
				wantDelivery := op.Bucket != "returned_to_sender"
				if isDelivery(k.typ, k.attr) != wantDelivery || isReturn(k.typ, k.attr) == wantDelivery {
					t.Errorf("2/%d bucket %q: isDelivery=%v isReturn=%v", k.attr, op.Bucket, isDelivery(k.typ, k.attr), isReturn(k.typ, k.attr))
				}
			}
			if isArrival(k.typ, k.attr) && op.Bucket != "waiting_pickup" {
				t.Errorf("%d/%d is an arrival but its bucket is %q", k.typ, k.attr, op.Bucket)
			}
			if _, ok := CountdownDays(k.typ, k.attr); ok && op.Bucket != "waiting_pickup_expiring" {
				t.Errorf("%d/%d is a countdown but its bucket is %q", k.typ, k.attr, op.Bucket)
			}
			if isLoss(k.typ, k.attr) && op.Bucket != "lost_or_seized" {
				t.Errorf("%d/%d is a loss but its bucket is %q", k.typ, k.attr, op.Bucket)
			}
		})
	}
}
