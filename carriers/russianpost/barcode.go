package russianpost

import (
	"bytes"
	"encoding/xml"
	"strings"
)

// HistoryBarcode returns the item's barcode from a saved single-access
// response (its first ItemParameters/Barcode, matched by local name), or ""
// when the response carries none (an empty history or a fault).
func HistoryBarcode(body []byte) string {
	dec := xml.NewDecoder(bytes.NewReader(body))
	inItem := false
	for {
		tok, err := dec.Token()
		if err != nil {
			return ""
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "ItemParameters":
				inItem = true
			case "Barcode":
				if inItem {
					var s string
					if err := dec.DecodeElement(&s, &t); err != nil {
						return ""
					}
					return strings.TrimSpace(s)
				}
			}
		case xml.EndElement:
			if t.Name.Local == "ItemParameters" {
				inItem = false
			}
		}
	}
}
