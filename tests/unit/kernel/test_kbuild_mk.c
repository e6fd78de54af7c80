// SPDX-License-Identifier: GPL-2.0-or-later
/* The make subset, one Kbuild makefile text at a time (no source tree: sources are dir/x.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tuxtape/kernel.h"

static const char config[] = "CONFIG_A=y\n"
			     "CONFIG_M=m\n"
			     "CONFIG_HZ=250\n"
			     "CONFIG_EXTRA_FIRMWARE=\"\"\n"
			     "CONFIG_NAME=\"two words\"\n"
			     "# CONFIG_OFF is not set\n";

struct run {
	struct tt_kconfig *cfg;
	struct tt_kbuild_prediction *p;
	int diags;
};

static void count_diag(void *ctx, const char *file, int line, const char *msg)
{
	((struct run *)ctx)->diags++;
}

static void run(struct run *r, const char *makefile)
{
	memset(r, 0, sizeof(*r));
	assert_int_equal(tt_kconfig_parse(config, strlen(config), "cfg", &r->cfg, NULL, NULL), 0);
	struct tt_diag_sink sink = {count_diag, r};
	assert_int_equal(tt_kbuild_predict_makefile(makefile, strlen(makefile), "d", NULL, r->cfg,
						    &r->p, &sink, NULL),
			 0);
}

static void done(struct run *r)
{
	tt_kbuild_prediction_free(r->p);
	tt_kconfig_free(r->cfg);
}

/* The sorted "object:kind" list, for one-line assertions. */
static void assert_objects(struct run *r, const char *want)
{
	struct tt_buf b = TT_BUF_INIT;
	for (size_t i = 0; i < tt_kbuild_prediction_count(r->p); i++) {
		const struct tt_kbuild_file *f = tt_kbuild_prediction_file(r->p, i);
		tt_buf_addf(&b, "%s%s:%c", i ? " " : "", f->object,
			    tt_kbuild_kind_name(f->kind)[0]);
	}
	if (strcmp(tt_buf_str(&b), want) != 0)
		fail_msg("got  '%s'\nwant '%s'", tt_buf_str(&b), want);
	tt_buf_free(&b);
}

static void check(const char *makefile, const char *want)
{
	struct run r;
	run(&r, makefile);
	assert_objects(&r, want);
	done(&r);
}

static void test_mk_obj_config_lists(void **state)
{
	check("obj-$(CONFIG_A) += a.o\nobj-$(CONFIG_M) += m.o\nobj-$(CONFIG_OFF) += off.o\n",
	      "d/a.o:b d/m.o:m d/m.mod.o:m");
}

static void test_mk_substitution_reference_folds_m_into_y(void **state)
{
	check("obj-$(CONFIG_M:m=y) += x.o\n", "d/x.o:b");
}

static void test_mk_assignment_flavours(void **state)
{
	check("a = $(b)\nb := one.o\nobj-y += $(a)\n"
	      "c := $(d)\nd := two.o\nobj-y += $(c)\n"
	      "e ?= three.o\ne ?= nope.o\nobj-y += $(e)\n"
	      "f := four.o\nf += five.o\nobj-y += $(f)\n",
	      "d/five.o:b d/four.o:b d/one.o:b d/three.o:b");
}

static void test_mk_text_functions(void **state)
{
	check("l := a b c\n"
	      "obj-y += $(addsuffix .o,$(l))\n"
	      "obj-y += $(patsubst %.c,%.o,x.c y.c)\n"
	      "obj-y += $(subst -,_,p-q.o)\n"
	      "obj-y += $(filter %.o,k.o k.h) $(filter-out z.o,z.o w.o)\n"
	      "obj-y += $(addprefix sub/,s.o) $(notdir dir/n.o) $(basename bb.c).o\n"
	      "obj-y += $(word 2,w1.o w2.o) $(firstword f1.o f2.o) $(lastword l1.o l2.o)\n"
	      "obj-y += $(if $(CONFIG_A),ifa.o,ifb.o) $(if $(CONFIG_OFF),ifc.o,ifd.o)\n"
	      "obj-y += $(sort s2.o s1.o s2.o) $(strip   st.o  )\n"
	      "obj-y += $(foreach x,f1 f2,$(x)x.o) $(or ,or.o) $(and a,and.o)\n"
	      "obj-y += $(words a b c).o $(findstring it,hit).o\n",
	      "d/3.o:b d/a.o:b d/and.o:b d/b.o:b d/bb.o:b d/c.o:b d/f1.o:b d/f1x.o:b "
	      "d/f2x.o:b d/ifa.o:b d/ifd.o:b d/it.o:b d/k.o:b d/l2.o:b d/n.o:b d/or.o:b "
	      "d/p_q.o:b d/s1.o:b d/s2.o:b d/st.o:b d/sub/s.o:b d/w.o:b d/w2.o:b d/x.o:b "
	      "d/y.o:b");
}

static void test_mk_call_define_and_eval(void **state)
{
	check("mk = $(1)_$(2).o\n"
	      "obj-y += $(call mk,c,d)\n"
	      "define add_obj\n"
	      "obj-y += $(1).o\n"
	      "endef\n"
	      "$(foreach n,e1 e2,$(eval $(call add_obj,$(n))))\n",
	      "d/c_d.o:b d/e1.o:b d/e2.o:b");
}

static void test_mk_conditionals(void **state)
{
	check("ifeq ($(CONFIG_A),y)\nobj-y += eq.o\nendif\n"
	      "ifneq ($(CONFIG_A),y)\nobj-y += neq.o\nendif\n"
	      "ifdef CONFIG_OFF\nobj-y += off.o\nelse ifeq ($(CONFIG_HZ),250)\nobj-y += hz.o\n"
	      "else\nobj-y += other.o\nendif\n"
	      "ifndef CONFIG_M\nobj-y += nm.o\nendif\n"
	      "ifeq \"$(CONFIG_M)\" \"m\"\nobj-y += quoted.o\nendif\n"
	      "ifdef CONFIG_EXTRA_FIRMWARE\nobj-y += empty-string-is-undefined.o\nendif\n",
	      "d/eq.o:b d/hz.o:b d/quoted.o:b");
}

static void test_mk_strings_are_unquoted_like_auto_conf(void **state)
{
	check("obj-y += $(addsuffix .gen.o, $(CONFIG_EXTRA_FIRMWARE))\n"
	      "obj-y += $(addsuffix .o,$(CONFIG_NAME))\n",
	      "d/two.o:b d/words.o:b");
}

static void test_mk_composites(void **state)
{
	check("obj-y += big.o\nbig-y := p1.o p2.o\nbig-$(CONFIG_M) += p3.o\n"
	      "obj-m += mod.o\nmod-objs := q1.o\nmod-$(CONFIG_M) += q2.o\n"
	      "obj-y += gone.o\ngone- := r.o\n",
	      "d/mod.mod.o:m d/p1.o:b d/p2.o:b d/q1.o:m d/q2.o:m");
}

static void test_mk_rules_recipes_and_comments(void **state)
{
	struct run r;
	run(&r, "obj-y += a.o # comment\n"
		"obj-y += \\\n\tb.o \\\n\tc.o\n"
		"$(obj)/x.c: $(src)/x.in\n"
		"\tobj-y += recipe.o\n"
		"ifdef CONFIG_A\n"
		"\tobj-y += tabbed.o\n"
		"endif\n"
		"vmlinux: export LDFLAGS = x\n"
		"obj-y += $(subst #,,h#.o)\n"
		"ifdef CONFIG_A\n"
		"endif junk\n"
		"endif\n");
	assert_objects(&r, "d/a.o:b d/b.o:b d/c.o:b d/h.o:b");
	assert_true(r.diags >= 1);
	done(&r);
	/* After a rule, tab lines are its recipe even across a conditional. */
	check("all:\n\techo\nifdef CONFIG_A\n\tobj-y += recipe2.o\nendif\nobj-y += z.o\n",
	      "d/z.o:b");
}

static void test_mk_unknowns_are_reported_not_dropped(void **state)
{
	struct run r;
	run(&r, "obj-y += known.o\n"
		"ifneq ($(shell uname),)\nobj-y += maybe.o\nelse\nobj-y += maybe-not.o\nendif\n"
		"obj-y += $(call cc-option,x.o)\n");
	assert_true(tt_kbuild_prediction_n_unknowns(r.p) >= 1);
	const struct tt_kbuild_unknown *u = tt_kbuild_prediction_unknown(r.p, 0);
	assert_string_equal(u->dir, "d");
	assert_non_null(strstr(u->reason, "obj-y"));
	assert_int_equal(tt_kbuild_prediction_lookup(r.p, "d/known.c"), TT_KBUILD_BUILTIN);
	assert_int_equal(tt_kbuild_prediction_lookup(r.p, "d/maybe.c"), TT_KBUILD_UNKNOWN);
	assert_int_equal(tt_kbuild_prediction_lookup(r.p, "elsewhere/x.c"), TT_KBUILD_ABSENT);
	done(&r);
}

static void test_mk_pathological_input_terminates(void **state)
{
	check("x = $(x)\nobj-y += $(x) a.o\n", "d/a.o:b");
	/* Mutual references branch exponentially unless self reference is caught. */
	check("a = $(b)$(b)$(b)\nb = $(a)$(a)$(a)\nobj-y += $(a) a.o\n", "d/a.o:b");
	check("e0 :=\ne1 = $(e0)$(e0)\ne2 = $(e1)$(e1)\ne3 = $(e2)$(e2)\ne4 = $(e3)$(e3)\n"
	      "e5 = $(e4)$(e4)$(e4)$(e4)$(e4)$(e4)$(e4)$(e4)$(e4)$(e4)$(e4)$(e4)$(e4)$(e4)\n"
	      "e6 = $(e5)$(e5)$(e5)$(e5)$(e5)$(e5)$(e5)$(e5)$(e5)$(e5)$(e5)$(e5)$(e5)$(e5)\n"
	      "e7 = $(e6)$(e6)$(e6)$(e6)$(e6)$(e6)$(e6)$(e6)$(e6)$(e6)$(e6)$(e6)$(e6)$(e6)\n"
	      "e8 = $(e7)$(e7)$(e7)$(e7)$(e7)$(e7)$(e7)$(e7)$(e7)$(e7)$(e7)$(e7)$(e7)$(e7)\n"
	      "obj-y += $(e8) e.o\n",
	      "d/e.o:b");
	/* $(call) may recurse, as in make. */
	check("rev = $(if $(1),$(call rev,$(wordlist 2,9,$(1))) $(firstword $(1)))\n"
	      "obj-y += $(call rev,r1.o r2.o)\n",
	      "d/r1.o:b d/r2.o:b");
	check("l := a a\nl := $(l) $(l)\nl := $(l) $(l)\nl := $(l) $(l)\nl := $(l) $(l)\n"
	      "l := $(l) $(l)\nl := $(l) $(l)\nl := $(l) $(l)\nl := $(l) $(l)\nl := $(l) $(l)\n"
	      "y := $(foreach a,$(l),$(foreach b,$(l),$(foreach c,$(l),)))\nobj-y += b.o\n",
	      "d/b.o:b");
	check("obj-y += $(unterminated\nobj-y += c.o\ndefine open\n", "d/c.o:b");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_mk_obj_config_lists),
	    cmocka_unit_test(test_mk_substitution_reference_folds_m_into_y),
	    cmocka_unit_test(test_mk_assignment_flavours),
	    cmocka_unit_test(test_mk_text_functions),
	    cmocka_unit_test(test_mk_call_define_and_eval),
	    cmocka_unit_test(test_mk_conditionals),
	    cmocka_unit_test(test_mk_strings_are_unquoted_like_auto_conf),
	    cmocka_unit_test(test_mk_composites),
	    cmocka_unit_test(test_mk_rules_recipes_and_comments),
	    cmocka_unit_test(test_mk_unknowns_are_reported_not_dropped),
	    cmocka_unit_test(test_mk_pathological_input_terminates),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
