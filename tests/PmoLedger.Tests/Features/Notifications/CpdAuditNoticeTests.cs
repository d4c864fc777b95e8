using System.Collections.Immutable;
using System.Text.Json;
using Marten;
using PmoLedger.Features.Cpd;
using PmoLedger.Features.Notifications;
using PmoLedger.Features.Practitioners;
using Wolverine.Tracking;

namespace PmoLedger.Tests.Features.Notifications
{
    public class CpdAuditNoticeRulesTests
    {
        private static readonly DateTimeOffset Now = new(2026, 11, 26, 9, 30, 0, TimeSpan.Zero);
        private static readonly Guid PractitionerId = Guid.NewGuid();
        private static readonly Guid Activity = Guid.NewGuid();

        private static CpdAuditStarted Started(int responseDays) =>
            new(Guid.NewGuid(), Guid.NewGuid(), "Spot check", [Activity], Now.AddDays(responseDays), DateOnly.FromDateTime(Now.UtcDateTime));

        private static readonly Practitioner Person = new()
        {
            Id = PractitionerId, FullName = "Ada", Email = "ada@example.org",
            Cpd = [new CpdEntry(Activity, CpdSource.Activity, CpdCategory.ProfessionalExperience, 15, new DateOnly(2025, 5, 11), "Ran the portfolio review")]
        };

        private static CpdAudit Audit => new()
        {
            Id = Guid.NewGuid(), PractitionerId = PractitionerId, CampaignName = "Spot check", Activities = [Activity], DueBy = Now.AddDays(30)
        };

        private static SendCpdAuditNotice Message(CpdAudit audit, string kind) => new(PractitionerId, audit.Id, kind);

        [Fact]
        public void an_audit_schedules_its_selection_notice_at_once_and_the_reminder_7_days_before_due_by()
        {
            var started = Started(30);
            CpdAuditNotices.Schedule(PractitionerId, started, Now).Select(s => (((SendCpdAuditNotice)s.Message).Kind, s.Delay)).ShouldBe([
                ("cpd-audit-selected", RenewalNotices.Grace),
                ("cpd-audit-reminder", TimeSpan.FromDays(23))
            ]);
            // A week or less to answer: the selection notice already gives the date; no reminder on its heels.
            CpdAuditNotices.Schedule(PractitionerId, Started(7), Now).Select(s => ((SendCpdAuditNotice)s.Message).Kind).ShouldBe(["cpd-audit-selected"]);
        }

        [Fact]
        public void the_reminder_is_due_only_without_evidence_and_the_outcome_only_once_concluded()
        {
            var audit = Audit;
            var evidence = new EvidenceItem(Guid.NewGuid(), Activity, new DateOnly(2026, 12, 1), null, null, null);
            var reminder = CpdAuditNotices.Decide(Person, audit, Message(audit, "cpd-audit-reminder")).ShouldNotBeNull();
            reminder.Activities.ShouldBe([new AuditedActivity("Ran the portfolio review", new DateOnly(2025, 5, 11), 15, CpdCategory.ProfessionalExperience)]);
            CpdAuditNotices.Decide(Person, audit with { Evidence = [evidence] }, Message(audit, "cpd-audit-reminder")).ShouldBeNull();
            CpdAuditNotices.Decide(Person, audit with { Outcome = AuditOutcome.NoResponse }, Message(audit, "cpd-audit-reminder")).ShouldBeNull();

            CpdAuditNotices.Decide(Person, audit, Message(audit, "cpd-audit-outcome")).ShouldBeNull();
            CpdAuditNotices.Decide(Person, audit with { Outcome = AuditOutcome.Passed }, Message(audit, "cpd-audit-outcome"))
                .ShouldNotBeNull().Outcome.ShouldBe(AuditOutcome.Passed);

            var told = Person with { Notified = [NotificationSent.Key("cpd-audit-selected", audit.Id.ToString("D"))] };
            CpdAuditNotices.Decide(told, audit, Message(audit, "cpd-audit-selected")).ShouldBeNull();
            CpdAuditNotices.Decide(Person with { Erased = true }, audit, Message(audit, "cpd-audit-selected")).ShouldBeNull();
            CpdAuditNotices.Decide(Person, audit with { PractitionerId = Guid.NewGuid() }, Message(audit, "cpd-audit-selected")).ShouldBeNull();
        }

        [Fact]
        public void the_selection_mail_lists_the_activities_and_the_due_date_in_en_gb_with_the_link()
        {
            var notice = new CpdAuditNotice("cpd-audit-selected", "x", "Spot <check>",
                [new AuditedActivity("Ran the portfolio review", new DateOnly(2025, 5, 11), 15, CpdCategory.ProfessionalExperience)],
                new DateTimeOffset(2026, 12, 26, 9, 30, 0, TimeSpan.Zero), null);
            var (subject, text, html) = CpdAuditNotices.Compose(notice, "Ada", "https://ledger.example.org/");
            subject.ShouldBe("Your CPD has been selected for audit: send evidence by 26 December 2026, 09:30 UTC");
            text.ShouldContain("- Ran the portfolio review (11 May 2025, 15 points of professional-experience)");
            text.ShouldContain("https://ledger.example.org/me/cpd-audits");
            html.ShouldContain("Spot &lt;check&gt;");
            html.ShouldContain("<li>Ran the portfolio review");
        }
    }
}

namespace PmoLedger.Tests.Features.Cpd
{
    /// <summary>The CPD audit notices on the real routes: the campaign schedules them, the handler sends each once.</summary>
    public partial class CpdAuditScenarioTests
    {
        private Task Notice(Guid id, Guid audit, string kind) => Host.InvokeMessageAndWaitAsync(new SendCpdAuditNotice(id, audit, kind));

        private async Task<List<string>> NoticeKinds(Guid id) =>
            (await Get<JsonElement>($"/api/practitioners/{id}/notifications", PractitionerToken(id))).GetProperty("items").EnumerateArray()
            .Select(n => n.Str("kind")).ToList();

        [Fact]
        public async Task a_selected_practitioner_is_told_what_to_send_by_when_reminded_a_week_before_without_evidence_and_told_the_outcome()
        {
            var (id, audit, _) = await OneAudit(responseDays: 30);
            var email = (await Get<JsonElement>($"/api/practitioners/{id}", AdminToken)).Str("email");
            var dueBy = DateTimeOffset.Parse((await Get<JsonElement>($"/api/practitioners/{id}/cpd-audits", PractitionerToken(id)))[0].Str("dueBy"));

            // Opening the campaign stored both notices as durable scheduled messages: the selection at once, the reminder a week before dueBy.
            await using (var session = Store.QuerySession())
            {
                var due = (await session.QueryAsync<DateTimeOffset>(
                    "select execution_time from ledger.wolverine_incoming_envelopes where status = 'Scheduled' and message_type like '%SendCpdAuditNotice'")).ToList();
                var wall = TimeProvider.System.GetUtcNow();
                due.Count.ShouldBe(2);
                due.ShouldContain(d => Math.Abs((d - (wall + RenewalNotices.Grace)).TotalSeconds) < 30);
                due.ShouldContain(d => Math.Abs((d - (wall + (dueBy.AddDays(-7) - Clock.GetUtcNow()))).TotalSeconds) < 30);
            }

            await Notice(id, audit, "cpd-audit-selected");
            await Notice(id, audit, "cpd-audit-selected");
            var selected = MailsTo(email).ShouldHaveSingleItem();
            selected.Subject.ShouldStartWith("Your CPD has been selected for audit: send evidence by ");
            selected.TextBody.ShouldNotBeNull().ShouldContain("- Ran the portfolio review (11 May 2025, 15 points of professional-experience)");
            selected.TextBody.ShouldNotContain("community");
            selected.TextBody.ShouldContain("/me/cpd-audits");
            selected.HtmlBody.ShouldNotBeNull().ShouldContain("<a href=");

            // A week before dueBy, with no evidence yet: the reminder, once.
            Clock.Offset += dueBy.AddDays(-7) - Clock.GetUtcNow();
            await Notice(id, audit, "cpd-audit-reminder");
            await Notice(id, audit, "cpd-audit-reminder");
            MailsTo(email).Last().Subject.ShouldStartWith("Reminder: your CPD audit evidence is due by ");

            // No outcome before the conclusion; then the outcome the auditor concluded.
            await Notice(id, audit, "cpd-audit-outcome");
            Clock.Offset += TimeSpan.FromDays(8);
            await As(AuditorToken, s => { s.Post.Url($"/api/audit/cpd-audits/{audit}/conclude"); s.StatusCodeShouldBe(204); });
            await Notice(id, audit, "cpd-audit-outcome");
            MailsTo(email).Last().Subject.ShouldBe("Your CPD audit \"Spot check\" has concluded: no-response");

            (await NoticeKinds(id)).ShouldBe(["cpd-audit-selected", "cpd-audit-reminder", "cpd-audit-outcome"]);
            MailsTo(email).Count.ShouldBe(3);
            Entries(await TimelineOf(id), "notification-sent").First().Str("summary")
                .ShouldBe("Sent the CPD audit selection notice about \"Spot check\" by email.");
        }

        [Fact]
        public async Task evidence_sent_stops_the_reminder_and_concluding_schedules_the_outcome()
        {
            var (id, audit, activity) = await OneAudit(responseDays: 30);
            var email = (await Get<JsonElement>($"/api/practitioners/{id}", AdminToken)).Str("email");
            await Upload(id, audit, activity, Pdf);
            Clock.Offset += TimeSpan.FromDays(23);
            await Notice(id, audit, "cpd-audit-reminder");
            (await NoticeKinds(id)).ShouldBeEmpty();

            await As(AuditorToken, s =>
            {
                s.Post.Json(new { decision = "accepted" }).ToUrl($"/api/audit/cpd-audits/{audit}/activities/{activity}/decision");
                s.StatusCodeShouldBe(204);
            });
            await As(AuditorToken, s => { s.Post.Url($"/api/audit/cpd-audits/{audit}/conclude"); s.StatusCodeShouldBe(204); });
            await using (var session = Store.QuerySession())
            {
                (await session.QueryAsync<int>(
                    "select count(*)::int from ledger.wolverine_incoming_envelopes where message_type like '%SendCpdAuditNotice' " +
                    "and position('cpd-audit-outcome'::bytea in body) > 0")).Single().ShouldBe(1);
            }
            await Notice(id, audit, "cpd-audit-outcome");
            (await NoticeKinds(id)).ShouldBe(["cpd-audit-outcome"]);
            MailsTo(email).ShouldHaveSingleItem().TextBody.ShouldNotBeNull().ShouldContain("Outcome: passed.");
        }
    }
}
