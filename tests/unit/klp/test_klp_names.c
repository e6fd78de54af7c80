// SPDX-License-Identifier: GPL-2.0-or-later
/* How GCC's names are read: clone suffixes, numbered and special statics. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "klp_int.h"

struct expect {
	const char *name;
	unsigned char type, bind;
	const char *base, *kind;
	bool numbered, special, part;
};

static void check(const struct expect *x)
{
	struct kelf_name n;
	kelf_name_parse(x->name, x->type, x->bind, &n);
	if (strcmp(n.base, x->base) || strcmp(n.kind, x->kind) ||
	    n.numbered_static != x->numbered || n.special_static != x->special ||
	    n.is_part != x->part)
		fail_msg("%s: base '%s' kind '%s' numbered %d special %d part %d", x->name, n.base,
			 n.kind, n.numbered_static, n.special_static, n.is_part);
	kelf_name_free(&n);
}

static void test_clone_suffixes_keep_kind_and_drop_number(void **state)
{
	const struct expect xs[] = {
	    {"foo.isra.0", STT_FUNC, STB_LOCAL, "foo", "isra", false, false, false},
	    {"foo.constprop.12", STT_FUNC, STB_LOCAL, "foo", "constprop", false, false, false},
	    {"foo.constprop.0.isra.0", STT_FUNC, STB_LOCAL, "foo", "constprop.isra", false, false,
	     false},
	    {"foo.part.3", STT_FUNC, STB_LOCAL, "foo", "part", false, false, true},
	    {"foo.cold", STT_FUNC, STB_LOCAL, "foo", "cold", false, false, true},
	    {"foo.isra.0.cold", STT_FUNC, STB_LOCAL, "foo", "isra.cold", false, false, true},
	    {"plain", STT_FUNC, STB_GLOBAL, "plain", "", false, false, false},
	};
	for (size_t i = 0; i < sizeof(xs) / sizeof(*xs); i++)
		check(&xs[i]);
}

static void test_function_scope_statics_are_numbered_and_some_special(void **state)
{
	const struct expect xs[] = {
	    {"calls.0", STT_OBJECT, STB_LOCAL, "calls", "", true, false, false},
	    {"__key.12", STT_OBJECT, STB_LOCAL, "__key", "", true, true, false},
	    {"__func__.3", STT_OBJECT, STB_LOCAL, "__func__", "", true, true, false},
	    {"__already_done.5", STT_OBJECT, STB_LOCAL, "__already_done", "", true, true, false},
	    {"__warned.7", STT_OBJECT, STB_LOCAL, "__warned", "", true, true, false},
	    /* __UNIQUE_ID() appends __COUNTER__: unstable like a number. */
	    {"__UNIQUE_ID_ddebug611.27", STT_OBJECT, STB_LOCAL, "__UNIQUE_ID_ddebug", "", true,
	     true, false},
	    {"__UNIQUE_ID___addressable_foo42", STT_OBJECT, STB_LOCAL,
	     "__UNIQUE_ID___addressable_foo", "", true, true, false},
	    /* A global cannot be a function-scope static, whatever its name. */
	    {"calls.0", STT_OBJECT, STB_GLOBAL, "calls", "", false, false, false},
	    /* Dots that are not GCC's: the name is kept whole. */
	    {"v.x.y", STT_OBJECT, STB_LOCAL, "v.x.y", "", false, false, false},
	    {".L.str", STT_NOTYPE, STB_LOCAL, ".L.str", "", false, false, false},
	    {".text.foo", STT_SECTION, STB_LOCAL, ".text.foo", "", false, false, false},
	};
	for (size_t i = 0; i < sizeof(xs) / sizeof(*xs); i++)
		check(&xs[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_clone_suffixes_keep_kind_and_drop_number),
	    cmocka_unit_test(test_function_scope_statics_are_numbered_and_some_special),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
