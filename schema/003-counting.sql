-- 003-counting.sql: the per-domain counting rule of DESIGN.md "Counting",
-- corrected. Within one report the policies naming one domain are grouped
-- by policy type: policies of one type are distinct sessions and add up;
-- the sts group and the tlsa group are the same sessions seen twice, so
-- only the one with more sessions stands (tlsa on a tie, RFC 8461 §2);
-- no-policy-found and other types always count. Until now one policy
-- alone (the one with the most sessions) stood for its domain, which lost
-- the sessions of a second sts policy (a policy changed during the day).
--
-- policy.counts_for_domain now means "is in the standing group" (1), and
-- 2 marks the one policy of each report and domain that carries the report
-- in report counts. This step recomputes it for the policies already
-- stored; the store then rebuilds every rollup from the detail rows
-- (store.c, schema_fill), since the rollups are keyed by it. rollup_mx
-- gains pooled rows (policy_type '') over the counting policies of every
-- type, so that a grouping without the type counts each report once
-- (store_rollup.c, ROLLUP_MX_ALL). collector/report_policy.c (mark_counting) is the
-- same rule for new reports. Sums are taken with total() (a float): a
-- report may hold more sessions than 64 bits can sum, and only the order
-- of the two sums matters here.
UPDATE policy SET counts_for_domain = CASE
    WHEN policy_type NOT IN ('sts', 'tlsa') THEN 1
    ELSE (SELECT CASE
            WHEN sum(q.policy_type = 'sts') = 0
              OR sum(q.policy_type = 'tlsa') = 0 THEN 1
            WHEN policy.policy_type = 'tlsa' THEN
              total(iif(q.policy_type = 'tlsa', q.successful_sessions
                        + q.failed_sessions, 0))
              >= total(iif(q.policy_type = 'sts', q.successful_sessions
                           + q.failed_sessions, 0))
            ELSE
              total(iif(q.policy_type = 'sts', q.successful_sessions
                        + q.failed_sessions, 0))
              > total(iif(q.policy_type = 'tlsa', q.successful_sessions
                          + q.failed_sessions, 0))
          END
          FROM policy q
          WHERE q.report = policy.report
            AND q.policy_domain = policy.policy_domain)
END
WHERE report IN (SELECT report FROM policy GROUP BY report
                 HAVING count(*) > 1);

-- 2 marks the first counting policy of each report and domain (policy id
-- order is report order): it carries the report in per-domain report
-- counts, now that several policies of one report may count for a domain.
UPDATE policy SET counts_for_domain = 2
WHERE counts_for_domain = 1
  AND id = (SELECT min(q.id) FROM policy q
            WHERE q.report = policy.report
              AND q.policy_domain = policy.policy_domain
              AND q.counts_for_domain > 0);
