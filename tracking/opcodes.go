package tracking

import (
	_ "embed"
	"fmt"
	"strconv"
	"strings"
)

// opcodesTSV is a copy of the shared Russian Post operation-code table
// (type_id, type_name, attr_id, attr_name, terminal, bucket, notes). It is
// embedded so the binary needs no data files at run time.
//
//go:embed opcodes.tsv
var opcodesTSV string

// Operation describes one carrier operation code as listed in opcodes.tsv.
type Operation struct {
	Type     int
	Attr     int
	TypeName string
	AttrName string // may be empty (attr 0 usually has no name)
	// Terminal is the table's own "Y" column; the classifier uses its own
	// code lists (docs/state-model.md) and does not read it.
	Terminal bool
	// Bucket is the table's coarse category (accepted, in_transit,
	// waiting_pickup, delivered, returned_to_sender, ...), for reports.
	Bucket string
}

type opKey struct{ typ, attr int }

// opTable is the parsed operation-code table. It is built once and only read.
type opTable struct {
	ops   map[opKey]Operation
	types map[int]string
}

// operations is built at package init from the embedded file and never
// modified afterwards; a malformed embedded file is a build defect, so it
// panics (TestOpcodesTable pins that it parses).
var operations = mustParseOpcodes(opcodesTSV)

func mustParseOpcodes(tsv string) opTable {
	t, err := parseOpcodes(tsv)
	if err != nil {
		panic(err)
	}
	return t
}

func parseOpcodes(tsv string) (opTable, error) {
	t := opTable{ops: make(map[opKey]Operation, 512), types: make(map[int]string, 64)}
	for n, line := range strings.Split(tsv, "\n") {
		line = strings.TrimRight(line, "\r")
		if n == 0 || strings.TrimSpace(line) == "" {
			continue // header or blank
		}
		f := strings.Split(line, "\t")
		if len(f) < 6 {
			return opTable{}, fmt.Errorf("tracking: opcodes line %d: %d fields, want at least 6", n+1, len(f))
		}
		typ, err := strconv.Atoi(f[0])
		if err != nil {
			return opTable{}, fmt.Errorf("tracking: opcodes line %d: type: %w", n+1, err)
		}
		attr, err := strconv.Atoi(f[2])
		if err != nil {
			return opTable{}, fmt.Errorf("tracking: opcodes line %d: attr: %w", n+1, err)
		}
		op := Operation{
			Type:     typ,
			Attr:     attr,
			TypeName: strings.TrimSpace(f[1]),
			AttrName: strings.TrimSpace(f[3]),
			Terminal: strings.TrimSpace(f[4]) == "Y",
			Bucket:   strings.TrimSpace(f[5]),
		}
		if _, dup := t.ops[opKey{typ, attr}]; dup {
			return opTable{}, fmt.Errorf("tracking: opcodes line %d: duplicate code %d/%d", n+1, typ, attr)
		}
		t.ops[opKey{typ, attr}] = op
		if _, ok := t.types[typ]; !ok && op.TypeName != "" {
			t.types[typ] = op.TypeName
		}
	}
	return t, nil
}

// LookupOperation returns the table entry for a code. For a known type with an
// unknown attribute it returns the type's name with ok == false; for an
// unknown type it returns an entry with only the codes set.
func LookupOperation(typ, attr int) (op Operation, ok bool) {
	if op, ok := operations.ops[opKey{typ, attr}]; ok {
		return op, true
	}
	return Operation{Type: typ, Attr: attr, TypeName: operations.types[typ]}, false
}

// OperationName returns a Russian display name for a code: the attribute's
// name, else the type's name, else a generic "Операция N/M". It never fails:
// the carrier emits codes that are in no public list.
func OperationName(typ, attr int) string {
	op, _ := LookupOperation(typ, attr)
	switch {
	case op.AttrName != "":
		return op.AttrName
	case op.TypeName != "":
		return op.TypeName
	default:
		return "Операция " + strconv.Itoa(typ) + "/" + strconv.Itoa(attr)
	}
}

// DisplayName returns the name to show for the event: the carrier's own
// wording when the carrier client filled Name, else the table's name.
func (e Event) DisplayName() string {
	if e.Name != "" {
		return e.Name
	}
	return OperationName(e.Type, e.Attr)
}
