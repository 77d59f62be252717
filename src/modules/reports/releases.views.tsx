import {
  CsrfField,
  DataTable,
  Field,
  type FieldErrors,
  type StaffFrame,
  StaffPage,
} from '../../platform/ui/index.ts';
import { reportsMessages as m, type ReportsMessageKey } from './reports.messages.ts';
import type { BudgetView, Release } from './statistics.service.ts';

/** The public statistics page: the budget, every release with its parameters, and the form for a new one. */
export function ReleasesView(props: {
  frame: StaffFrame;
  csrf: string;
  budget: BudgetView;
  releases: Release[];
  quarters: string[];
  form?: { quarter: string; rho: string };
  errors?: FieldErrors;
  /** The key that signs every bundle (what `sanctuary reports verify --public-key` takes). */
  publicKey: string;
  budgetForm?: { total: string };
  budgetErrors?: FieldErrors;
}) {
  const l = props.frame.locale;
  return (
    <StaffPage frame={props.frame} title={m(l, 'reports.releases.title')} path="/staff/reports/releases">
      <h1>{m(l, 'reports.releases.title')}</h1>
      <p>{m(l, 'reports.releases.intro')}</p>
      <p id="budget">
        {m(l, 'reports.releases.budget', {
          dataset: props.budget.dataset,
          spent: props.budget.spent,
          total: props.budget.total,
        })}
      </p>
      <p id="signing-key">
        {m(l, 'reports.releases.key')} <code>{props.publicKey}</code>
      </p>
      <DataTable<Release>
        caption={m(l, 'reports.releases.title')}
        rows={props.releases}
        rowKey={(r) => r.id}
        empty={m(l, 'reports.releases.none')}
        rowAttributes={(r) => ({ 'data-release': r.id })}
        columns={[
          {
            key: 'period',
            header: m(l, 'reports.releases.col.period'),
            cell: (r) => `${r.period.from} – ${r.period.to}`,
            rowHeader: true,
          },
          { key: 'rho', header: m(l, 'reports.releases.col.rho'), cell: (r) => r.rho },
          { key: 'sigma', header: m(l, 'reports.releases.col.sigma'), cell: (r) => r.sigma2 },
          { key: 'total', header: m(l, 'reports.total'), cell: (r) => String(r.tables.total) },
          { key: 'made', header: m(l, 'reports.releases.col.made'), cell: (r) => r.createdAt.slice(0, 10) },
          {
            key: 'bundle',
            header: m(l, 'reports.releases.col.bundle'),
            cell: (r) => (
              <a href={`/staff/reports/releases/${r.id}/bundle.tar?lang=${l}`} download>
                {m(l, 'reports.releases.download')}
              </a>
            ),
          },
        ]}
      />
      <h2>{m(l, 'reports.releases.new')}</h2>
      <form method="post" action={`/staff/reports/releases?lang=${l}`}>
        <CsrfField token={props.csrf} />
        <Field
          locale={l}
          id="quarter"
          name="quarter"
          label={m(l, 'reports.filter.quarter')}
          errors={props.errors}
          translate={(locale, key) => m(locale, key as ReportsMessageKey)}
        >
          {(a) => (
            <select {...a}>
              {props.quarters.map((q) => (
                <option value={q} selected={q === props.form?.quarter} key={q}>
                  {q}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field
          locale={l}
          id="rho"
          name="rho"
          label={m(l, 'reports.releases.rho')}
          hint={m(l, 'reports.releases.rho.hint', { tables: 5 })}
          errors={props.errors}
          translate={(locale, key) => m(locale, key as ReportsMessageKey)}
        >
          {(a) => <input {...a} type="text" inputmode="text" value={props.form?.rho ?? '1/10'} required />}
        </Field>
        <button type="submit">{m(l, 'reports.releases.submit')}</button>
      </form>
      <h2>{m(l, 'reports.budget.title')}</h2>
      <form method="post" action={`/staff/reports/releases/budget?lang=${l}`}>
        <CsrfField token={props.csrf} />
        <input type="hidden" name="dataset" value={props.budget.dataset} />
        <Field
          locale={l}
          id="total"
          name="total"
          label={m(l, 'reports.budget.total')}
          hint={m(l, 'reports.budget.hint')}
          errors={props.budgetErrors}
          translate={(locale, key) => m(locale, key as ReportsMessageKey)}
        >
          {(a) => <input {...a} type="text" value={props.budgetForm?.total ?? props.budget.total} required />}
        </Field>
        <button type="submit">{m(l, 'reports.budget.submit')}</button>
      </form>
    </StaffPage>
  );
}
