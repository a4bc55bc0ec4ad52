/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests for rbld/wire.c: DNS names, header and OPT fields, the bounded builder. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../rbld/wire.h"
#include "testutil.h"

START_TEST(test_name_from_text)
{
	uint8_t w[WIRE_NAME_MAX];
	char name[300];

	ck_assert_int_eq(wire_name_from_text("Bl.Example.TEST", w, sizeof(w)),
	    17);
	ck_assert_mem_eq(w, "\002bl\007example\004test", 17);
	/* A final dot changes nothing; the root is one zero byte. */
	ck_assert_int_eq(wire_name_from_text("bl.example.test.", w, sizeof(w)),
	    17);
	ck_assert_int_eq(wire_name_from_text(".", w, sizeof(w)), 1);
	ck_assert_uint_eq(w[0], 0);
	ck_assert_int_eq(wire_name_from_text("", w, sizeof(w)), 1);
	/* Empty labels, labels of 64 bytes, names over 255. */
	errno = 0;
	ck_assert_int_eq(wire_name_from_text("a..b", w, sizeof(w)), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(wire_name_from_text(".a", w, sizeof(w)), -1);
	memset(name, 'x', 64);
	name[64] = '\0';
	ck_assert_int_eq(wire_name_from_text(name, w, sizeof(w)), -1);
	name[63] = '\0';
	ck_assert_int_eq(wire_name_from_text(name, w, sizeof(w)), 65);
	/* Four labels of 63: 257 bytes in wire form; with a last label of
	 * 61, 255 bytes: the most a name may have. */
	memset(name, 'x', sizeof(name));
	name[63] = name[127] = name[191] = '.';
	name[255] = '\0';
	ck_assert_int_eq(wire_name_from_text(name, w, sizeof(w)), -1);
	name[253] = '\0';
	ck_assert_int_eq(wire_name_from_text(name, w, sizeof(w)), 255);
	/* A buffer too small is an error, not a cut name. */
	ck_assert_int_eq(wire_name_from_text("bl.example.test", w, 16), -1);
}
END_TEST

START_TEST(test_name_to_text)
{
	uint8_t w[WIRE_NAME_MAX];
	char text[WIRE_NAME_TEXT];
	static const uint8_t odd[] = "\003a b\002\"\\\000";
	static const uint8_t pointer[] = "\002bl\300\014";

	ck_assert_int_eq(wire_name_from_text("ns1.Example.test", w, sizeof(w)),
	    18);
	ck_assert_int_eq(wire_name_to_text(w, 18, text, sizeof(text)), 0);
	ck_assert_str_eq(text, "ns1.example.test.");
	ck_assert_int_eq(wire_name_to_text((const uint8_t *)"", 1, text,
	    sizeof(text)), 0);
	ck_assert_str_eq(text, ".");
	/* What is not a hostname character is written as \DDD. */
	ck_assert_int_eq(wire_name_to_text(odd, sizeof(odd) - 1, text,
	    sizeof(text)), 0);
	ck_assert_str_eq(text, "a\\032b.\\034\\092.");
	/* No root label, a pointer, a short buffer: errors. */
	ck_assert_int_eq(wire_name_to_text(w, 17, text, sizeof(text)), -1);
	ck_assert_int_eq(wire_name_to_text(pointer, sizeof(pointer) - 1, text,
	    sizeof(text)), -1);
	ck_assert_int_eq(wire_name_to_text(w, 18, text, 10), -1);
}
END_TEST

START_TEST(test_name_skip)
{
	/* header, then "bl.test" at 12 and "x" + a pointer to it at 21 */
	uint8_t m[64] = { 0 };
	size_t off;

	memcpy(m + 12, "\002bl\004test\000", 9);
	memcpy(m + 21, "\001x\300\014", 4);
	ck_assert_int_eq(wire_name_skip(m, 25, 12), 21);
	ck_assert_int_eq(wire_name_skip(m, 25, 21), 25);
	/* Running past the end, in a label or in a pointer. */
	ck_assert_int_eq(wire_name_skip(m, 20, 12), -1);
	ck_assert_int_eq(wire_name_skip(m, 24, 21), -1);
	/* Label types 0x40 and 0x80 are not names. */
	m[30] = 0x41;
	ck_assert_int_eq(wire_name_skip(m, 64, 30), -1);
	/* A name of more labels than a name can have. */
	{
		uint8_t big[300];

		memset(big, 1, sizeof(big));
		big[sizeof(big) - 1] = 0;
		ck_assert_int_eq(wire_name_skip(big, sizeof(big), 0), -1);
	}

	memset(m, 0, sizeof(m));
	memcpy(m + 12, "\002BL\004Test\000", 9);
	off = 12;
	ck_assert(wire_name_equal(m, 21, &off, (const uint8_t *)
	    "\002bl\004test", 9));
	ck_assert_uint_eq(off, 21);
	off = 12;
	ck_assert(!wire_name_equal(m, 21, &off, (const uint8_t *)
	    "\002bl\004tess", 9));
	ck_assert_uint_eq(off, 21);	/* moved past it all the same */
}
END_TEST

/* The question's reader: a lowercase copy with label offsets, no
 * pointers, no name over 255 bytes. */
START_TEST(test_name_read)
{
	uint8_t m[300], out[WIRE_NAME_MAX], loff[WIRE_LABELS_MAX];
	int nl = -1;

	memset(m, 0, sizeof(m));
	memcpy(m + 12, "\002Bl\007EXAMPLE\004test\000", 17);
	ck_assert_int_eq(wire_name_read(m, 29, 12, out, loff, &nl), 17);
	ck_assert_mem_eq(out, "\002bl\007example\004test\000", 17);
	ck_assert_int_eq(nl, 3);
	ck_assert_uint_eq(loff[0], 0);
	ck_assert_uint_eq(loff[1], 3);
	ck_assert_uint_eq(loff[2], 11);
	ck_assert_mem_eq(m + 12, "\002Bl", 3);	/* the message is left as it is */
	/* The root alone: one byte, no labels. */
	ck_assert_int_eq(wire_name_read(m, 29, 28, out, loff, &nl), 1);
	ck_assert_uint_eq(out[0], 0);
	ck_assert_int_eq(nl, 0);
	/* Running past the end: in a label, or before the root label. */
	ck_assert_int_eq(wire_name_read(m, 20, 12, out, loff, &nl), -1);
	ck_assert_int_eq(wire_name_read(m, 28, 12, out, loff, &nl), -1);
	ck_assert_int_eq(wire_name_read(m, 12, 12, out, loff, &nl), -1);
	/* A pointer, and the extended label types 0x40 and 0x80. */
	m[15] = WIRE_LABEL_PTR;
	m[16] = 12;
	ck_assert_int_eq(wire_name_read(m, 29, 12, out, loff, &nl), -1);
	m[15] = 0x41;
	ck_assert_int_eq(wire_name_read(m, 29, 12, out, loff, &nl), -1);
	m[15] = 0x81;
	ck_assert_int_eq(wire_name_read(m, 29, 12, out, loff, &nl), -1);
	/* 127 labels of one byte are 255 bytes, the most there may be. */
	memset(m, 1, sizeof(m));
	m[254] = 0;
	ck_assert_int_eq(wire_name_read(m, sizeof(m), 0, out, loff, &nl), 255);
	ck_assert_int_eq(nl, WIRE_LABELS_MAX);
	ck_assert_uint_eq(loff[WIRE_LABELS_MAX - 1], 252);
	/* One byte more: a name of 256 bytes. */
	m[254] = 1;
	m[255] = 1;
	m[256] = 0;
	ck_assert_int_eq(wire_name_read(m, sizeof(m), 0, out, loff, &nl), -1);
	/* Four labels of 63 bytes: 257 bytes. */
	memset(m, 'x', sizeof(m));
	m[0] = m[64] = m[128] = m[192] = WIRE_LABEL_MAX;
	m[256] = 0;
	ck_assert_int_eq(wire_name_read(m, sizeof(m), 0, out, loff, &nl), -1);
	/* A label of 64 bytes. */
	m[0] = WIRE_LABEL_MAX + 1;
	m[65] = 0;
	ck_assert_int_eq(wire_name_read(m, sizeof(m), 0, out, loff, &nl), -1);
}
END_TEST

/* A pointer's two bytes; WIRE_PTR_HEADER points at the question. */
START_TEST(test_pointer)
{
	uint8_t b[2];

	ck_assert_uint_eq(wire_ptr(12), 0xc00c);
	ck_assert_uint_eq(WIRE_PTR_HEADER, 0xc00c);
	ck_assert_uint_eq(wire_ptr(0x3fff), 0xffff);
	wire_set16(b, wire_ptr(40));
	ck_assert_uint_eq(b[0], 0xc0);
	ck_assert_uint_eq(b[1], 40);
	ck_assert_int_eq(wire_name_skip(b, 2, 0), 2);
}
END_TEST

/* The fixed fields of a record, and an OPT record's TTL. */
START_TEST(test_opt)
{
	/* OPT: 4096 bytes, extended rcode 1 (BADVERS), version 0, DO. */
	static const uint8_t opt[] = {
		0, 0, 41, 0x10, 0x00, 0x01, 0x00, 0x80, 0x00, 0, 5,
	};
	uint32_t ttl;

	ck_assert_uint_eq(wire_rr_type(opt + 1), TYPE_OPT);
	ck_assert_uint_eq(wire_rr_class(opt + 1), 4096);
	ck_assert_uint_eq(wire_rr_rdlen(opt + 1), 5);
	ttl = wire_rr_ttl(opt + 1);
	ck_assert_uint_eq(ttl, 0x01008000);
	ck_assert_int_eq(wire_opt_ext_rcode(ttl), RCODE_BADVERS);
	ck_assert_uint_eq(wire_opt_version(ttl), 0);
	ck_assert(wire_opt_do(ttl));

	/* Built again, the same bytes; the rcode's lower 4 bits are the
	 * header's, not the OPT's. */
	ck_assert_uint_eq(wire_opt_ttl(RCODE_BADVERS, 0, true), ttl);
	ck_assert_uint_eq(wire_opt_ttl(RCODE_NOERROR, 0, false), 0);
	ck_assert_uint_eq(wire_opt_ttl(RCODE_REFUSED, 0, false), 0);
	ttl = wire_opt_ttl(0xabc, 7, false);
	ck_assert_uint_eq(ttl, 0xab070000);
	ck_assert_int_eq(wire_opt_ext_rcode(ttl), 0xab0);
	ck_assert_uint_eq(wire_opt_version(ttl), 7);
	ck_assert(!wire_opt_do(ttl));
	ck_assert(wire_opt_do(0xffff8000));
	ck_assert(!wire_opt_do(0xffff7fff));
}
END_TEST

START_TEST(test_header)
{
	uint8_t h[WIRE_HEADER] = { 0x12, 0x34, 0x79, 0x00 };

	ck_assert_uint_eq(wire_id(h), 0x1234);
	ck_assert(!wire_qr(h));
	ck_assert_int_eq(wire_opcode(h), 15);
	ck_assert(wire_rd(h));
	ck_assert(!wire_tc(h));
	memset(h + 2, 0, 2);
	wire_set_qr(h);
	wire_set_opcode(h, OPCODE_NOTIFY);
	wire_set_aa(h);
	wire_set_tc(h);
	wire_set_rd(h);
	wire_set_rcode(h, RCODE_NXDOMAIN);
	ck_assert_uint_eq(h[2], 0x80 | OPCODE_NOTIFY << 3 | 0x04 | 0x02 | 0x01);
	ck_assert_uint_eq(h[3], RCODE_NXDOMAIN);
	ck_assert_int_eq(wire_opcode(h), OPCODE_NOTIFY);
	ck_assert(wire_tc(h));
	wire_set_rcode(h, RCODE_REFUSED);
	ck_assert_int_eq(wire_rcode(h), RCODE_REFUSED);
	wire_set_count(h, WIRE_AR, 0x0102);
	ck_assert_uint_eq(h[10], 1);
	ck_assert_uint_eq(h[11], 2);
	ck_assert_uint_eq(wire_count(h, WIRE_AR), 0x0102);
	ck_assert_uint_eq(wire_count(h, WIRE_QD), 0);
}
END_TEST

START_TEST(test_builder)
{
	uint8_t b[8];
	struct wire_buf w;

	wire_buf_init(&w, b, sizeof(b));
	wire_put16(&w, 0xabcd);
	wire_put32(&w, 0x01020304);
	ck_assert(!w.full);
	ck_assert_uint_eq(w.len, 6);
	ck_assert_uint_eq(wire_get32(b + 2), 0x01020304);
	/* TSIG's 48-bit time. */
	wire_set48(b, 0x0102030405a6ull);
	ck_assert_uint_eq(b[0], 1);
	ck_assert_uint_eq(b[5], 0xa6);
	ck_assert(wire_get48(b) == 0x0102030405a6ull);
	wire_set48(b, 0xffffffffffffull);
	ck_assert(wire_get48(b) == 0xffffffffffffull);
	wire_buf_init(&w, b, sizeof(b));
	wire_put16(&w, 0xabcd);
	wire_put32(&w, 0x01020304);
	wire_patch16(&w, 0, 0x1111);
	ck_assert_uint_eq(wire_get16(b), 0x1111);
	wire_patch16(&w, 5, 0x2222);	/* past what was written: ignored */
	ck_assert_uint_eq(b[5], 4);
	/* What does not fit is not written, and nothing after it. */
	wire_put32(&w, 0xffffffff);
	ck_assert(w.full);
	ck_assert_uint_eq(w.len, 6);
	wire_put8(&w, 9);
	ck_assert_uint_eq(w.len, 6);
	/* Starting again from a length forgets the flag. */
	wire_buf_truncate(&w, 2);
	ck_assert(!w.full);
	wire_put16(&w, 0x0506);
	ck_assert_uint_eq(w.len, 4);
	ck_assert_uint_eq(wire_get16(b + 2), 0x0506);
}
END_TEST

/* Records: what the builder writes, the reader reads back; a short or
 * oversized field is bad, once and for all. */
START_TEST(test_records)
{
	uint8_t b[64];
	char s[8];
	struct wire_buf w;
	struct wire_rd r;

	wire_buf_init(&w, b, sizeof(b));
	wire_put8(&w, 7);
	wire_put64(&w, 0x0102030405060708ull);
	wire_put_str(&w, "abc");
	wire_put_str(&w, "");
	ck_assert(!w.full);
	ck_assert_uint_eq(w.len, 1 + 8 + 4 + 1);
	ck_assert_uint_eq(b[1], 1);
	ck_assert_uint_eq(b[8], 8);
	wire_rd_init(&r, b, w.len);
	ck_assert_uint_eq(wire_rd8(&r), 7);
	ck_assert(wire_rd64(&r) == 0x0102030405060708ull);
	wire_rd_str(&r, s, sizeof(s));
	ck_assert_str_eq(s, "abc");
	wire_rd_str(&r, s, sizeof(s));
	ck_assert_str_eq(s, "");
	ck_assert(!r.bad);
	ck_assert_uint_eq(r.left, 0);
	/* Past the end: 0, and the flag stays. */
	ck_assert_uint_eq(wire_rd32(&r), 0);
	ck_assert(r.bad);
	/* A string longer than the caller's room is bad, not cut. */
	wire_rd_init(&r, b + 9, 4);
	wire_rd_str(&r, s, 3);
	ck_assert(r.bad);
	ck_assert_str_eq(s, "");
	/* A string of 256 bytes has no length byte: the builder says so. */
	{
		char big[257];
		uint8_t out[300];

		memset(big, 'x', 256);
		big[256] = '\0';
		wire_buf_init(&w, out, sizeof(out));
		wire_put_str(&w, big);
		ck_assert(w.full);
		ck_assert_uint_eq(w.len, 0);
	}
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("wire");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_name_from_text);
	tcase_add_test(tc, test_name_to_text);
	tcase_add_test(tc, test_name_skip);
	tcase_add_test(tc, test_name_read);
	tcase_add_test(tc, test_pointer);
	tcase_add_test(tc, test_opt);
	tcase_add_test(tc, test_header);
	tcase_add_test(tc, test_builder);
	tcase_add_test(tc, test_records);
	suite_add_tcase(s, tc);
	return test_run(s);
}
