package messages

import (
	"strings"
	"time"

	"parceltrack/notify"
	"parceltrack/shopapp"
)

// SettingsFor turns a shop's stored choices into the settings notify plans
// with; what the shop left unset keeps notify's defaults.
func SettingsFor(shop shopapp.Shop) notify.Settings {
	m := shop.Settings.Messages
	s := notify.Settings{
		Window: notify.Window{From: time.Duration(m.Window.FromMinute) * time.Minute,
			To: time.Duration(m.Window.ToMinute) * time.Minute},
		ReminderDays: m.ReminderDays, VoiceDays: m.VoiceDays, NoLastDay: m.NoLastDay, Delivered: m.Delivered,
	}
	for key, off := range m.Off {
		tr, ch, ok := strings.Cut(key, "/")
		if !off || !ok {
			continue
		}
		if s.Off == nil {
			s.Off = map[notify.Trigger]map[notify.ChannelKind]bool{}
		}
		if s.Off[notify.Trigger(tr)] == nil {
			s.Off[notify.Trigger(tr)] = map[notify.ChannelKind]bool{}
		}
		s.Off[notify.Trigger(tr)][notify.ChannelKind(ch)] = true
	}
	return s
}

// OffKey is the key of MessageSettings.Off for a trigger's channel.
func OffKey(tr notify.Trigger, ch notify.ChannelKind) string { return string(tr) + "/" + string(ch) }
