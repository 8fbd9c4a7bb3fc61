package storage

import "net/url"

// connstringParse returns uri without its user information.
func connstringParse(uri string) (string, error) {
	u, err := url.Parse(uri)
	if err != nil {
		return "", err
	}
	u.User = nil
	return u.String(), nil
}
