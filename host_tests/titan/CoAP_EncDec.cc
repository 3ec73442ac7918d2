// f_CoAP_enc and f_CoAP_dec, the external functions of CoAP_Types.ttcn: a CoAP message
// (RFC 7252 §3) to and from its bytes. Written for this project from RFC 7252, RFC 7641
// and RFC 7959; the encoder writes what the suite put in each field (Ver, TKL, option
// nibbles), even where that is malformed, because the suite's negative cases rely on it.
#include "CoAP_Types.hh"

namespace CoAP__Types {

static void put_u(TTCN_Buffer& b, unsigned long v, int n) {
  for (int i = n - 1; i >= 0; i--) b.put_c((unsigned char)((v >> (8 * i)) & 0xff));
}

// RFC 7252 §3.2: uint, big-endian, in as few bytes as it takes (zero is empty)
static void put_uint(TTCN_Buffer& b, unsigned long v) {
  int n = 0;
  for (unsigned long t = v; t; t >>= 8) n++;
  put_u(b, v, n);
}

static void put_ext(TTCN_Buffer& b, int nibble, const OPTIONAL<INT__BIT8__OR__BIT16__MSB>& e) {
  // RFC 7252 §3.1: the extended field exists only for nibble 13 (1 byte) and 14 (2 bytes)
  if (nibble != 13 && nibble != 14) return;
  if (!e.ispresent()) {
    put_u(b, 0, nibble == 13 ? 1 : 2);
    return;
  }
  const INT__BIT8__OR__BIT16__MSB& x = e();
  if (x.get_selection() == INT__BIT8__OR__BIT16__MSB::ALT_int__bit8)
    put_u(b, (int)x.int__bit8(), 1);
  else
    put_u(b, (int)x.int__bit16(), 2);
}

static void put_value(TTCN_Buffer& v, const CoAP__Options& o) {
  switch (o.get_selection()) {
    case CoAP__Options::ALT_if__match: v.put_os(o.if__match()); break;
    case CoAP__Options::ALT_etag: v.put_os(o.etag()); break;
    case CoAP__Options::ALT_if__none__match: break;
    case CoAP__Options::ALT_uri__host: o.uri__host().encode_utf8(v); break;
    case CoAP__Options::ALT_location__path: o.location__path().encode_utf8(v); break;
    case CoAP__Options::ALT_uri__path: o.uri__path().encode_utf8(v); break;
    case CoAP__Options::ALT_uri__query: o.uri__query().encode_utf8(v); break;
    case CoAP__Options::ALT_location__query: o.location__query().encode_utf8(v); break;
    case CoAP__Options::ALT_proxy__uri: o.proxy__uri().encode_utf8(v); break;
    case CoAP__Options::ALT_proxy__scheme: o.proxy__scheme().encode_utf8(v); break;
    case CoAP__Options::ALT_observe: put_uint(v, (int)o.observe()); break;
    case CoAP__Options::ALT_uri__port: put_uint(v, (int)o.uri__port()); break;
    case CoAP__Options::ALT_content__format: put_uint(v, (int)o.content__format()); break;
    case CoAP__Options::ALT_max__age: put_uint(v, (unsigned long)o.max__age().get_long_long_val()); break;
    case CoAP__Options::ALT_accept: put_uint(v, (int)o.accept()); break;
    case CoAP__Options::ALT_size1: put_uint(v, (unsigned long)o.size1().get_long_long_val()); break;
    case CoAP__Options::ALT_block1:
    case CoAP__Options::ALT_block2: {
      // RFC 7959 §2.2: NUM << 4 | M << 3 | SZX
      const BlockOption& k = o.get_selection() == CoAP__Options::ALT_block1 ? o.block1() : o.block2();
      put_uint(v, ((unsigned long)(int)k.num() << 4) | ((bool)k.m() ? 8 : 0) | (int)k.szx());
      break;
    }
    case CoAP__Options::ALT_unknown__option: v.put_os(o.unknown__option().option__value()); break;
    default: break;
  }
}

INTEGER f__CoAP__enc(const CoAP__Message& msg, OCTETSTRING& str) {
  if (msg.get_selection() == CoAP__Message::ALT_raw__message) {
    str = msg.raw__message();
    return 0;
  }
  if (msg.get_selection() != CoAP__Message::ALT_msg) return 1;
  const CoAP__ReqResp& m = msg.msg();
  TTCN_Buffer b;
  // RFC 7252 §3: Ver (2 bits) | T (2 bits) | TKL (4 bits), Code class.detail, Message ID
  b.put_c((unsigned char)(((int)m.version() << 6) | (Type::enum2int(m.msg__type()) << 4) |
                          (int)m.tkl()));
  b.put_c((unsigned char)(((int)m.code().class_() << 5) | (int)m.code().detail()));
  put_u(b, (int)m.message__id(), 2);
  b.put_os(m.token());
  if (m.options().ispresent()) {
    const CoAP__OptionsExtList& l = m.options()();
    for (int i = 0; i < l.size_of(); i++) {
      const CoAP__OptionsExt& e = l[i];
      int d = (int)e.option__delta(), n = (int)e.option__length();
      b.put_c((unsigned char)((d << 4) | n));
      put_ext(b, d, e.option__delta__ext());
      put_ext(b, n, e.option__length__ext());
      put_value(b, e.option__value());
    }
  }
  if (m.payload().ispresent()) {
    b.put_os(m.payload()().payloadMarker());
    b.put_os(m.payload()().payload());
  }
  b.get_string(str);
  return 0;
}

// RFC 3629 §4: well-formed UTF-8 (a string option is "a Unicode string ... in UTF-8")
static bool utf8_ok(const unsigned char* p, int n) {
  for (int i = 0; i < n;) {
    unsigned char c = p[i];
    int k = c < 0x80 ? 0 : (c >> 5) == 6 ? 1 : (c >> 4) == 14 ? 2 : (c >> 3) == 30 ? 3 : -1;
    if (k < 0 || (k == 1 && c < 0xc2) || i + k >= n + (k == 0 ? 1 : 0)) return false;
    for (int j = 1; j <= k; j++)
      if ((p[i + j] & 0xc0) != 0x80) return false;
    i += k + 1;
  }
  return true;
}

static unsigned long get_uint(const unsigned char* p, int n) {
  unsigned long v = 0;
  for (int i = 0; i < n; i++) v = (v << 8) | p[i];
  return v;
}

static void unknown(CoAP__Options& o, unsigned long num, const unsigned char* p, int n) {
  o.unknown__option().option__code() = (int)num;
  o.unknown__option().option__value() = OCTETSTRING(n, p);
}

static bool str_opt(UNIVERSAL_CHARSTRING& u, const unsigned char* p, int n, int lo, int hi) {
  if (n < lo || n > hi || !utf8_ok(p, n)) return false;
  u.decode_utf8(n, p);
  return true;
}

// RFC 7252 §5.10: the option number decides the option's format and length range
static void get_value(CoAP__Options& o, unsigned long num, const unsigned char* p, int n) {
  UNIVERSAL_CHARSTRING u;
  bool ok = true;
  switch (num) {
    case 1: if (n <= 8) o.if__match() = OCTETSTRING(n, p); else ok = false; break;
    case 3: if ((ok = str_opt(u, p, n, 1, 255))) o.uri__host() = u; break;
    case 4: if (n >= 1 && n <= 8) o.etag() = OCTETSTRING(n, p); else ok = false; break;
    case 5: if (n == 0) o.if__none__match() = OCTETSTRING(0, p); else ok = false; break;
    case 6: if (n <= 3) o.observe() = (int)get_uint(p, n); else ok = false; break;  // RFC 7641 §2
    case 7: if (n <= 2) o.uri__port() = (int)get_uint(p, n); else ok = false; break;
    case 8: if ((ok = str_opt(u, p, n, 0, 255))) o.location__path() = u; break;
    case 11: if ((ok = str_opt(u, p, n, 0, 255))) o.uri__path() = u; break;
    case 12: if (n <= 2) o.content__format() = (int)get_uint(p, n); else ok = false; break;
    case 14: if (n <= 4) o.max__age().set_long_long_val(get_uint(p, n)); else ok = false; break;
    case 15: if ((ok = str_opt(u, p, n, 0, 255))) o.uri__query() = u; break;
    case 17: if (n <= 2) o.accept() = (int)get_uint(p, n); else ok = false; break;
    case 20: if ((ok = str_opt(u, p, n, 0, 255))) o.location__query() = u; break;
    case 23:
    case 27:
      if (n <= 3) {  // RFC 7959 §2.2
        unsigned long v = get_uint(p, n);
        BlockOption& k = num == 23 ? o.block2() : o.block1();
        k.num() = (int)(v >> 4);
        k.m() = (v & 8) != 0;
        k.szx() = (int)(v & 7);
      } else {
        ok = false;
      }
      break;
    case 35: if ((ok = str_opt(u, p, n, 1, 1034))) o.proxy__uri() = u; break;
    case 39: if ((ok = str_opt(u, p, n, 1, 255))) o.proxy__scheme() = u; break;
    case 60: if (n <= 4) o.size1().set_long_long_val(get_uint(p, n)); else ok = false; break;
    default: ok = false;
  }
  if (!ok) unknown(o, num, p, n);
}

// RFC 7252 §3.1: the extended field after a nibble of 13 or 14; false if truncated
static bool get_ext(const unsigned char* p, int len, int& i, int nib, OPTIONAL<INT__BIT8__OR__BIT16__MSB>& e,
                    unsigned long& value, bool zero_if_none) {
  if (nib == 13) {
    if (i + 1 > len) return false;
    e().int__bit8() = p[i];
    value = 13 + p[i];
    i += 1;
  } else if (nib == 14) {
    if (i + 2 > len) return false;
    e().int__bit16() = (int)get_uint(p + i, 2);
    value = 269 + get_uint(p + i, 2);
    i += 2;
  } else {
    value = nib;
    if (zero_if_none)
      e().int__bit8() = 0;
    else
      e = OMIT_VALUE;
  }
  return true;
}

static int dec(const unsigned char* p, int len, CoAP__ReqResp& m) {
  if (len < 4) return 1;  // RFC 7252 §3: a 4-byte header at least
  int tkl = p[0] & 15;
  if (tkl > 8) return 1;  // RFC 7252 §3: 9-15 are reserved, a message format error
  m.version() = p[0] >> 6;
  m.msg__type() = Type((p[0] >> 4) & 3);
  m.tkl() = tkl;
  m.code().class_() = p[1] >> 5;
  m.code().detail() = p[1] & 31;
  m.message__id() = (int)get_uint(p + 2, 2);
  if (4 + tkl > len) return 1;
  m.token() = OCTETSTRING(tkl, p + 4);
  int i = 4 + tkl;
  unsigned long num = 0;
  CoAP__OptionsExtList l(NULL_VALUE);
  m.payload() = OMIT_VALUE;
  while (i < len) {
    if (p[i] == 0xff) {
      // RFC 7252 §3: a marker followed by a zero-length payload is a format error
      if (i + 1 >= len) return 1;
      m.payload()().payloadMarker() = OCTETSTRING(1, p + i);
      m.payload()().payload() = OCTETSTRING(len - i - 1, p + i + 1);
      break;
    }
    int d = p[i] >> 4, n = p[i] & 15;
    if (d == 15 || n == 15) return 1;  // RFC 7252 §3.1: 15 is reserved outside the marker
    i++;
    CoAP__OptionsExt& e = l[l.size_of()];
    e.option__delta() = d;
    e.option__length() = n;
    unsigned long dv, nv;
    if (!get_ext(p, len, i, d, e.option__delta__ext(), dv, false)) return 1;
    if (!get_ext(p, len, i, n, e.option__length__ext(), nv, true)) return 1;
    if (i + (long)nv > len) return 1;
    num += dv;
    get_value(e.option__value(), num, p + i, (int)nv);
    i += (int)nv;
  }
  if (l.size_of() > 0)
    m.options() = l;
  else
    m.options() = OMIT_VALUE;
  return 0;
}

INTEGER f__CoAP__dec(const OCTETSTRING& str, CoAP__Message& msg) {
  CoAP__ReqResp m;
  if (dec((const unsigned char*)str, str.lengthof(), m) != 0) {
    msg.raw__message() = str;  // undecodable: kept whole, and the caller told so
    return 1;
  }
  msg.msg() = m;
  return 0;
}

}  // namespace CoAP__Types
