package notify

import "testing"

func TestPlainToHTML(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, plain, want string
	}{
		{"one line", "Здравствуйте, {name}!", "<p>Здравствуйте, {name}!</p>"},
		{"paragraphs and lines", "А\n\nБ\nВ", "<p>А</p>\n<p>Б<br>\nВ</p>"},
		{"the link is a link", "Подробнее: {link}", `<p>Подробнее: <a href="{link}">{link}</a></p>`},
		{"the words are escaped", `Цена < 5 & "скидка"`, "<p>Цена &lt; 5 &amp; &#34;скидка&#34;</p>"},
		{"placeholders pass through", "{days_left}", "<p>{days_left}</p>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := plainToHTML(tt.plain); got != tt.want {
				t.Errorf("plainToHTML(%q) = %q, want %q", tt.plain, got, tt.want)
			}
		})
	}
}
