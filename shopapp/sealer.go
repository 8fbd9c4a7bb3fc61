package shopapp

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"strconv"
)

// Sealer encrypts shop secrets at rest (AES-256-GCM). The key is the SHA-256
// of APP_SECRET_KEY, so any secret string of the configured length gives a
// full-strength key; changing APP_SECRET_KEY makes stored passwords
// unreadable, and shops must then be reinstalled.
type Sealer struct {
	aead cipher.AEAD
}

// NewSealer derives the key from secret (APP_SECRET_KEY).
func NewSealer(secret string) (*Sealer, error) {
	if secret == "" {
		return nil, errors.New("shopapp: sealer: empty secret key")
	}
	key := sha256.Sum256([]byte(secret))
	block, err := aes.NewCipher(key[:])
	if err != nil {
		return nil, fmt.Errorf("shopapp: sealer: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("shopapp: sealer: %w", err)
	}
	return &Sealer{aead: aead}, nil
}

// ShopLabel binds a sealed password to its shop: a ciphertext copied onto
// another shop's record does not open.
func ShopLabel(insalesID int64) string { return "insales-password:" + strconv.FormatInt(insalesID, 10) }

// Seal encrypts plain; label is authenticated but not encrypted, and Open
// must be given the same label. The result is nonce || ciphertext.
func (s *Sealer) Seal(plain, label string) ([]byte, error) {
	nonce := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(plain)+s.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("shopapp: seal: %w", err)
	}
	return s.aead.Seal(nonce, nonce, []byte(plain), []byte(label)), nil
}

// Open decrypts what Seal produced with the same label.
func (s *Sealer) Open(sealed []byte, label string) (string, error) {
	n := s.aead.NonceSize()
	if len(sealed) < n+s.aead.Overhead() {
		return "", errors.New("shopapp: open sealed value: too short")
	}
	plain, err := s.aead.Open(nil, sealed[:n], sealed[n:], []byte(label))
	if err != nil {
		return "", fmt.Errorf("shopapp: open sealed value: %w", err)
	}
	return string(plain), nil
}
