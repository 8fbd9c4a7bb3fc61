// Package insales is the InSales platform client: the install, uninstall and
// autologin signatures, the order (webhook) payload types, and one HTTP
// client that serves every installed shop.
//
// The client is built once in main and shared:
//
//	c, err := insales.New(insales.Config{
//		AppID:     cfg.InSalesAppID,
//		AppSecret: cfg.InSalesSecret,
//		BaseURL:   insales.ProductionBaseURL, // sandbox: insales.BaseURLPattern(base + "/sandbox/insales/{shop}")
//		Logger:    logger,
//	})
//
// Every call names its shop with the stored credentials:
//
//	shop := insales.Shop{Domain: s.Domain, Password: s.Password, ID: s.InSalesID}
//	order, err := c.GetOrder(ctx, shop, orderID)
//
// Requests to one shop share a budget below the platform's 500 requests per
// 5 minutes; 429/503 answers are waited out (Retry-After) and retried. Errors
// from InSales are *APIError values: test them with IsUnauthorized,
// IsForbidden, IsNotFound, IsValidation and IsRateLimited.
package insales
