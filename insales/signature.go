package insales

import (
	"crypto/md5"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"io"
	"net/url"
	"strings"
)

// InstallPassword derives the per-shop API password InSales expects from the
// install token and the app secret: lowercase hex md5(token + secret), with no
// separator.
func InstallPassword(token, secret string) string {
	return md5Hex(token + secret)
}

// CheckUninstall reports whether the token of an uninstall request matches the
// stored shop password. The comparison is constant-time so the password cannot
// be guessed byte by byte from response timings.
func CheckUninstall(given, storedPassword string) bool {
	if given == "" || storedPassword == "" {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(strings.ToLower(given)), []byte(storedPassword)) == 1
}

// AutologinQuery holds the decoded query parameters InSales appends to the
// app's autologin URL at the end of the login round trip.
type AutologinQuery struct {
	Token          string // md5(nonce + password)
	Token2         string // md5(nonce + user_email + user_name + user_id + password)
	Token3         string // md5(nonce + user_email + user_name + user_id + email_confirmed + password)
	UserEmail      string
	UserName       string
	UserID         string
	EmailConfirmed string // "true" or "false", as sent
}

// ParseAutologinQuery reads the autologin parameters from an already decoded
// query string.
func ParseAutologinQuery(v url.Values) AutologinQuery {
	return AutologinQuery{
		Token:          v.Get("token"),
		Token2:         v.Get("token2"),
		Token3:         v.Get("token3"),
		UserEmail:      v.Get("user_email"),
		UserName:       v.Get("user_name"),
		UserID:         v.Get("user_id"),
		EmailConfirmed: v.Get("email_confirmed"),
	}
}

// AutologinToken3 computes the token3 InSales sends back:
// md5(nonce + user_email + user_name + user_id + email_confirmed + password).
func AutologinToken3(nonce, userEmail, userName, userID, emailConfirmed, password string) string {
	return md5Hex(nonce + userEmail + userName + userID + emailConfirmed + password)
}

// VerifyAutologin checks token3 of an autologin callback against the nonce the
// app kept in the session and the shop password. token3 is the only token that
// covers every user field, so it is the one trusted.
func VerifyAutologin(nonce string, q AutologinQuery, password string) bool {
	if nonce == "" || password == "" || q.Token3 == "" {
		return false
	}
	want := AutologinToken3(nonce, q.UserEmail, q.UserName, q.UserID, q.EmailConfirmed, password)
	return subtle.ConstantTimeCompare([]byte(strings.ToLower(q.Token3)), []byte(want)) == 1
}

// LoginRedirectURL builds the URL that sends the merchant through InSales
// autologin: {base}/admin/applications/{appID}/login?token={nonce}&login={autologinURL}.
// shopBase is either a bare shop domain ("shop.myinsales.ru", https is
// assumed) or a full base URL with a scheme, so the sandbox can point it at
// "http://127.0.0.1:8080/sandbox/insales/shop".
func LoginRedirectURL(shopBase, appID, nonce, autologinURL string) string {
	base := shopBase
	if !strings.Contains(base, "://") {
		base = "https://" + base
	}
	return strings.TrimRight(base, "/") + "/admin/applications/" + url.PathEscape(appID) +
		"/login?token=" + url.QueryEscape(nonce) + "&login=" + url.QueryEscape(autologinURL)
}

// nonceBytes is 128 bits: unguessable, and short enough for a query string.
const nonceBytes = 16

// NewNonce returns a random hex nonce for the autologin round trip. Pass
// crypto/rand.Reader in production; tests pass a fixed reader.
func NewNonce(r io.Reader) (string, error) {
	b := make([]byte, nonceBytes)
	if _, err := io.ReadFull(r, b); err != nil {
		return "", fmt.Errorf("insales: new nonce: %w", err)
	}
	return hex.EncodeToString(b), nil
}

func md5Hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}
