/*
 * lib/format.c - kvsnprintf, the formatting engine behind printk.
 * Built for the kernel and for the host unit tests (tests/unit/test_format.c
 * compares it with the host's vsnprintf).
 */
#include "lib/lib.h"

#include <stdbool.h>

struct out {
	char *buf;
	size_t size;
	size_t len; /* characters produced so far, written or not */
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void pad(struct out *o, char c, int n)
{
	while (n-- > 0)
		put(o, c);
}

struct spec {
	bool left, zero, plus, space, alt;
	int width;
	int prec; /* -1: none */
};

static void put_str(struct out *o, const struct spec *sp, const char *s)
{
	size_t n;

	if (!s)
		s = "(null)";
	n = sp->prec >= 0 ? strnlen(s, (size_t)sp->prec) : strlen(s);
	if (!sp->left)
		pad(o, ' ', sp->width - (int)n);
	for (size_t i = 0; i < n; i++)
		put(o, s[i]);
	if (sp->left)
		pad(o, ' ', sp->width - (int)n);
}

static void put_num(struct out *o, const struct spec *sp, uint64_t v,
		    bool neg, unsigned base, bool upper, const char *prefix)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0, plen = prefix ? (int)strlen(prefix) : 0, zeros, total;
	char sign = neg ? '-' : sp->plus ? '+' : sp->space ? ' ' : 0;

	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);
	if (sp->prec == 0 && n == 1 && tmp[0] == '0')
		n = 0; /* C: zero with precision 0 prints no digits */
	zeros = sp->prec > n ? sp->prec - n : 0;
	total = n + zeros + plen + (sign ? 1 : 0);
	if (sp->zero && !sp->left && sp->prec < 0 && sp->width > total) {
		zeros += sp->width - total;
		total = sp->width;
	}
	if (!sp->left)
		pad(o, ' ', sp->width - total);
	if (sign)
		put(o, sign);
	for (int i = 0; i < plen; i++)
		put(o, prefix[i]);
	pad(o, '0', zeros);
	while (n)
		put(o, tmp[--n]);
	if (sp->left)
		pad(o, ' ', sp->width - total);
}

enum lenmod { L_INT, L_CHAR, L_SHORT, L_LONG, L_LLONG, L_SIZE };

static int64_t arg_signed(va_list *ap, enum lenmod l)
{
	switch (l) {
	case L_CHAR: return (signed char)va_arg(*ap, int);
	case L_SHORT: return (short)va_arg(*ap, int);
	case L_LONG: return va_arg(*ap, long);
	case L_LLONG: return va_arg(*ap, long long);
	case L_SIZE: return va_arg(*ap, long);
	case L_INT: break;
	}
	return va_arg(*ap, int);
}

static uint64_t arg_unsigned(va_list *ap, enum lenmod l)
{
	switch (l) {
	case L_CHAR: return (unsigned char)va_arg(*ap, unsigned int);
	case L_SHORT: return (unsigned short)va_arg(*ap, unsigned int);
	case L_LONG: return va_arg(*ap, unsigned long);
	case L_LLONG: return va_arg(*ap, unsigned long long);
	case L_SIZE: return va_arg(*ap, size_t);
	case L_INT: break;
	}
	return va_arg(*ap, unsigned int);
}

static const char *parse_spec(const char *f, struct spec *sp, va_list *ap)
{
	*sp = (struct spec){ .prec = -1 };
	for (;; f++) {
		if (*f == '-') sp->left = true;
		else if (*f == '0') sp->zero = true;
		else if (*f == '+') sp->plus = true;
		else if (*f == ' ') sp->space = true;
		else if (*f == '#') sp->alt = true;
		else break;
	}
	if (*f == '*') {
		sp->width = va_arg(*ap, int);
		if (sp->width < 0) {
			sp->left = true;
			sp->width = -sp->width;
		}
		f++;
	} else {
		while (*f >= '0' && *f <= '9' && sp->width < 100000)
			sp->width = sp->width * 10 + (*f++ - '0');
	}
	if (*f == '.') {
		f++;
		sp->prec = 0;
		if (*f == '*') {
			sp->prec = va_arg(*ap, int);
			if (sp->prec < 0)
				sp->prec = -1;
			f++;
		} else {
			while (*f >= '0' && *f <= '9' && sp->prec < 100000)
				sp->prec = sp->prec * 10 + (*f++ - '0');
		}
	}
	return f;
}

int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap_in)
{
	struct out o = { buf, size, 0 };
	va_list ap;

	va_copy(ap, ap_in);
	for (const char *f = fmt; *f; f++) {
		const char *start = f;
		struct spec sp;
		enum lenmod l = L_INT;
		int64_t sv;
		uint64_t uv;

		if (*f != '%') {
			put(&o, *f);
			continue;
		}
		f = parse_spec(f + 1, &sp, &ap);
		if (*f == 'h') {
			l = L_SHORT;
			if (*++f == 'h') {
				l = L_CHAR;
				f++;
			}
		} else if (*f == 'l') {
			l = L_LONG;
			if (*++f == 'l') {
				l = L_LLONG;
				f++;
			}
		} else if (*f == 'z' || *f == 't' || *f == 'j') {
			l = *f == 'j' ? L_LLONG : L_SIZE;
			f++;
		}
		switch (*f) {
		case 'd':
		case 'i':
			sv = arg_signed(&ap, l);
			put_num(&o, &sp, sv < 0 ? -(uint64_t)sv : (uint64_t)sv,
				sv < 0, 10, false, NULL);
			break;
		case 'u':
			put_num(&o, &sp, arg_unsigned(&ap, l), false, 10, false,
				NULL);
			break;
		case 'x':
		case 'X':
			uv = arg_unsigned(&ap, l);
			put_num(&o, &sp, uv, false, 16, *f == 'X',
				sp.alt && uv ? (*f == 'X' ? "0X" : "0x") : NULL);
			break;
		case 'o':
			uv = arg_unsigned(&ap, l);
			put_num(&o, &sp, uv, false, 8, false,
				sp.alt && uv ? "0" : NULL);
			break;
		case 'p':
			sp.plus = sp.space = false;
			put_num(&o, &sp, (uintptr_t)va_arg(ap, void *), false, 16,
				false, "0x");
			break;
		case 's':
			put_str(&o, &sp, va_arg(ap, const char *));
			break;
		case 'c': {
			char c[2] = { (char)va_arg(ap, int), 0 };
			sp.prec = -1;
			if (!sp.left)
				pad(&o, ' ', sp.width - 1);
			put(&o, c[0]);
			if (sp.left)
				pad(&o, ' ', sp.width - 1);
			break;
		}
		case '%':
			put(&o, '%');
			break;
		default:
			/* Unknown or truncated conversion: print it literally. */
			for (; start <= f && *start; start++)
				put(&o, *start);
			if (!*f)
				f--;
			break;
		}
	}
	va_end(ap);
	if (size)
		buf[o.len < size ? o.len : size - 1] = 0;
	return (int)o.len;
}

int ksnprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = kvsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
