package auth

import (
	"net/http/httptest"
	"strings"
	"testing"
)

// The login page speaks the browser's language; the forbidden page a
// signed-in user's configured one over the browser's.
func TestLoginAndForbiddenPagesInTheReadersLanguage(t *testing.T) {
	f := newFixture(t)
	h := handler(f.a)
	for accept, want := range map[string][]string{
		"vi-VN,vi;q=0.9": {`<html lang="vi">`, "Đăng nhập vào Slate", "Mật khẩu"},
		"ru":             {`<html lang="ru">`, "Вход в Slate", "Имя пользователя"},
		"de-DE":          {`<html lang="en">`, "Sign in to Slate", "Password"},
	} {
		r := httptest.NewRequest("GET", "/login", nil)
		r.Header.Set("Accept-Language", accept)
		body := serve(h, r).Body.String()
		for _, w := range want {
			if !strings.Contains(body, w) {
				t.Errorf("%s: login page lacks %q", accept, w)
			}
		}
	}
	f.a.users["alice"].Lang = "ru"
	r := httptest.NewRequest("GET", "/finance/costs", nil)
	r.Header.Set("Accept-Language", "vi")
	r.AddCookie(f.sessionCookie("alice"))
	if body := serve(h, r).Body.String(); !strings.Contains(body, "Вашей роли эта страница недоступна.") || !strings.Contains(body, `lang="ru"`) {
		t.Errorf("forbidden page for a Russian user:\n%s", body)
	}
}
