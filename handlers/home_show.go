package handlers

import "github.com/gofiber/fiber/v2"

// homeShow is the landing page: what parceltrack does, and the way into the
// sandbox when it is on.
func (s *server) homeShow(c *fiber.Ctx) error {
	return s.render(c, viewHome, page{})
}
