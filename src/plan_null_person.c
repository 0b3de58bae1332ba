/*
 * plan_null_person.c — a narrowed person row keeps an outer join's "no
 * person" NULL (docs/design.md §13.2).
 *
 * On the nullable side of an outer join (an account without people in
 * accounts LEFT JOIN people), the whole-row person p is NULL, and the
 * scoring aggregates count such a row as an empty group.  The narrowed row
 * ROW(p.a, p.b) would instead be a row of NULL fields, which a condition
 * such as `job_title is empty` or `seniority <> 3` matches: a role for
 * nobody.  There the narrowed row is written
 * CASE WHEN p.k IS NULL THEN NULL ELSE ROW(...) END, k a NOT NULL column of
 * the table (NULL only when the join found no row); a table without one
 * keeps its whole row.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_attribute.h"
#include "catalog/pg_type.h"
#include "nodes/makefuncs.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "plan_args.h"
#include "plan_rewrite.h"

/* The first NOT NULL column of relid, or InvalidAttrNumber. */
static AttrNumber
not_null_column(Oid relid)
{
	/* a relation's columns are numbered 1..n, dropped ones included */
	for (AttrNumber a = 1;; a++)
	{
		HeapTuple	tup = SearchSysCache2(ATTNUM, ObjectIdGetDatum(relid), Int16GetDatum(a));
		bool		found;

		if (!HeapTupleIsValid(tup))
			return InvalidAttrNumber;
		found = ((Form_pg_attribute) GETSTRUCT(tup))->attnotnull &&
			!((Form_pg_attribute) GETSTRUCT(tup))->attisdropped;
		ReleaseSysCache(tup);
		if (found)
			return a;
	}
}

/*
 * The narrowed row to use for person (a whole-row Var of relation relid in
 * query q): row itself, or, on the nullable side of an outer join, row
 * guarded by a NOT NULL column; NULL when the table has none (the person
 * is then not narrowed).
 */
Node *
bg_null_person_guard(Query *q, Var *person, Oid relid, Node *row)
{
	AttrNumber	key;
	Oid			typid;
	int32		typmod;
	Oid			collid;
	NullTest   *test;
	CaseWhen   *when;
	CaseExpr   *c;

	if (!bg_rel_nullable(q, person->varno))
		return row;
	key = not_null_column(relid);
	if (key == InvalidAttrNumber)
		return NULL;
	get_atttypetypmodcoll(relid, key, &typid, &typmod, &collid);
	test = makeNode(NullTest);
	test->arg = (Expr *) makeVar(person->varno, key, typid, typmod, collid, 0);
	test->nulltesttype = IS_NULL;
	test->argisrow = false;
	test->location = -1;
	when = makeNode(CaseWhen);
	when->expr = (Expr *) test;
	when->result = (Expr *) makeNullConst(RECORDOID, -1, InvalidOid);
	when->location = -1;
	c = makeNode(CaseExpr);
	c->casetype = RECORDOID;
	c->casecollid = InvalidOid;
	c->arg = NULL;
	c->args = list_make1(when);
	c->defresult = (Expr *) row;
	c->location = person->location;
	return (Node *) c;
}
