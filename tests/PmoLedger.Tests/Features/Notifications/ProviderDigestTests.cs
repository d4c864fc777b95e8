using System.Text.Json;
using Marten;
using PmoLedger.Features.Notifications;
using PmoLedger.Tests.Features.Xapi;
using Wolverine.Tracking;

namespace PmoLedger.Tests.Features.Notifications;

public class ProviderDigestTests(AppFixture fixture) : XapiContext(fixture)
{
    private async Task<string> ProviderStaff(Guid providerId)
    {
        var email = $"coordinator.{Guid.NewGuid():N}@example.org";
        await As(AdminToken, s =>
        {
            s.Post.Json(new { email, fullName = "Casey Coordinator", role = "provider", providerId }).ToUrl("/api/staff");
            s.StatusCodeShouldBe(201);
        });
        return email;
    }

    private List<MimeKit.MimeMessage> Digests(string email) => MailsTo(email).Where(m => m.Subject?.Contains("did not map") == true).ToList();

    private async Task<List<string>> SentTo(Guid providerId)
    {
        await using var session = Store.QuerySession();
        return (await session.Events.FetchStreamAsync(providerId)).Select(e => e.Data).OfType<NotificationSent>().Select(n => n.Reason).ToList();
    }

    [Fact]
    public async Task the_days_unmapped_statements_go_to_the_providers_staff_once_and_a_click_stops_them()
    {
        var lrs = await ConnectLms();
        var staff = await ProviderStaff(lrs.ProviderId);
        var first = await Send(lrs, Statement(Mbox("unknown.learner@example.org")));
        var second = await Send(lrs, Statement(Mbox("another.unknown@example.org"), verb: Experienced));

        // One digest is scheduled for the day, by its first unmapped statement, due when the day is over.
        await using (var session = Store.QuerySession())
            (await session.QueryAsync<int>("select count(*)::int from ledger.wolverine_incoming_envelopes where status = 'Scheduled' and message_type like '%SendProviderDigest'"))
                .Single().ShouldBe(1);

        await Host.InvokeMessageAndWaitAsync(new SendProviderDigest(lrs.ProviderId, Clock.Today));
        await Host.InvokeMessageAndWaitAsync(new SendProviderDigest(lrs.ProviderId, Clock.Today));
        var digest = Digests(staff).ShouldHaveSingleItem();
        digest.Subject.ShouldBe($"2 xAPI statements did not map on {RenewalNoticeMail.Date(Clock.Today)}");
        digest.TextBody.ShouldNotBeNull().ShouldContain($"- {first}: The actor is not a registered practitioner");
        digest.TextBody.ShouldContain($"- {second}: The verb http://adlnet.gov/expapi/verbs/experienced");
        digest.HtmlBody.ShouldNotBeNull().ShouldContain("Stop these digests");
        (await SentTo(lrs.ProviderId)).ShouldBe([$"provider-digest|{Clock.Today:yyyy-MM-dd}"]);

        // The link, and nothing but the link, stops them.
        var stop = digest.TextBody.Split('\n').Single(l => l.StartsWith("Stop these digests: ")).Split(": ")[1].Trim();
        var path = new Uri(stop).PathAndQuery;
        await Host.Scenario(s => { s.Get.Url(path.Replace("signature=", "signature=0")); s.StatusCodeShouldBe(404); });
        await Host.Scenario(s => { s.Get.Url(path); s.StatusCodeShouldBe(200); });

        Clock.Offset += TimeSpan.FromDays(1);
        await Send(lrs, Statement(Mbox("unknown.learner@example.org")));
        await Host.InvokeMessageAndWaitAsync(new SendProviderDigest(lrs.ProviderId, Clock.Today));
        Digests(staff).Count.ShouldBe(1);
    }

    [Fact]
    public async Task a_day_when_everything_mapped_sends_no_digest()
    {
        var lrs = await ConnectLms();
        var staff = await ProviderStaff(lrs.ProviderId);
        await RegisterPractitioner(email: "ada@example.org");
        await Send(lrs, Statement(Mbox("ada@example.org")));

        await using (var session = Store.QuerySession())
            (await session.QueryAsync<int>("select count(*)::int from ledger.wolverine_incoming_envelopes where message_type like '%SendProviderDigest'"))
                .Single().ShouldBe(0);
        await Host.InvokeMessageAndWaitAsync(new SendProviderDigest(lrs.ProviderId, Clock.Today));
        Digests(staff).ShouldBeEmpty();
        (await SentTo(lrs.ProviderId)).ShouldBeEmpty();
        (await Get<JsonElement>($"/api/providers/{lrs.ProviderId}/xapi/unmapped")).GetProperty("total").GetInt64().ShouldBe(0);
    }

    [Fact]
    public async Task refused_csv_rows_are_kept_without_personal_data_and_listed_in_the_days_digest()
    {
        var provider = await RegisterProvider();
        var staff = await ProviderStaff(provider.Id);
        var ada = await RegisterPractitioner();
        var stranger = $"stranger.{Guid.NewGuid():N}@example.org";
        var csv = $"""
            practitionerId,practitionerEmail,providerReference,courseCode,courseTitle,completedOn,outcome
            {ada},,c-1,PMO-101,Intro,2026-01-15,passed
            ,{stranger},c-2,PMO-101,Intro,2026-01-15,passed
            {ada},,c-3,PMO-102,Next,not-a-date,passed
            """;
        async Task Post(string body, int[] statuses)
        {
            var result = await WithKey(provider.ApiKey, s =>
            {
                s.Post.Text(body).ToUrl("/api/completions/batch");
                s.WithRequestHeader("Content-Type", "text/csv");
                s.StatusCodeShouldBe(200);
            });
            (await result.Json()).GetProperty("results").EnumerateArray().Select(r => r.GetProperty("status").GetInt32()).ShouldBe(statuses);
        }
        await Post(csv, [201, 404, 400]);

        await using (var session = Store.QuerySession())
        {
            var refused = (await session.Events.FetchStreamAsync(provider.Id)).Select(e => e.Data).OfType<CsvRowsRefused>().ShouldHaveSingleItem();
            refused.Rows.Select(r => (r.Row, r.Status)).ShouldBe([(2, 404), (3, 400)]);
            System.Text.Json.JsonSerializer.Serialize(refused).ShouldNotContain(stranger);
            (await session.QueryAsync<int>("select count(*)::int from ledger.wolverine_incoming_envelopes where status = 'Scheduled' and message_type like '%SendProviderDigest'"))
                .Single().ShouldBe(1);
        }
        // A file with nothing refused records nothing more.
        await Post($"""
            practitionerId,providerReference,courseCode,courseTitle,completedOn,outcome
            {ada},c-4,PMO-103,More,2026-01-17,passed
            """, [201]);

        await Host.InvokeMessageAndWaitAsync(new SendProviderDigest(provider.Id, Clock.Today));
        var digest = MailsTo(staff).Where(m => m.Subject?.Contains("refused") == true).ShouldHaveSingleItem();
        digest.Subject.ShouldBe($"2 CSV rows were refused on {RenewalNoticeMail.Date(Clock.Today)}");
        var text = digest.TextBody.ShouldNotBeNull();
        text.ShouldContain("row 2 (404): no practitioner is registered with the id or email given");
        text.ShouldContain("row 3 (400): not valid: 'completedOn'");
        text.ShouldNotContain(stranger);
        text.ShouldNotContain("xAPI");
        digest.HtmlBody.ShouldNotBeNull().ShouldContain("Stop these digests");
        (await SentTo(provider.Id)).ShouldBe([$"provider-digest|{Clock.Today:yyyy-MM-dd}"]);
    }
}
