using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Alba;
using Marten;
using PmoLedger.Features.Xapi;
using PmoLedger.Infrastructure;

namespace PmoLedger.Tests.Features.Xapi;

public class XapiLrsTests(AppFixture fixture) : XapiContext(fixture)
{
    [Fact]
    public async Task credentials_are_shown_once_accepted_by_basic_auth_and_stop_working_when_revoked()
    {
        var lrs = await ConnectLms();
        await using (var session = Store.QuerySession())
        {
            var stored = await session.LoadAsync<LrsCredential>(lrs.Key);
            stored!.SecretHash.ShouldBe(SHA256.HashData(Encoding.UTF8.GetBytes(lrs.Secret)));
        }
        await AsLms(lrs, s => { s.Get.Url("/xapi/statements"); s.StatusCodeShouldBe(200); });
        var wrong = await AsLms(lrs with { Secret = "not-the-secret" }, s => { s.Get.Url("/xapi/statements"); s.StatusCodeShouldBe(401); });
        wrong.Context.Response.Headers.WWWAuthenticate.ToString().ShouldContain("Basic");

        await As(AdminToken, s => { s.Delete.Url($"/api/providers/{lrs.ProviderId}/lrs-credentials/{lrs.Key}"); s.StatusCodeShouldBe(204); });
        await AsLms(lrs, s => { s.Get.Url("/xapi/statements"); s.StatusCodeShouldBe(401); });
    }

    [Fact]
    public async Task a_provider_manages_its_own_credentials_with_its_api_key_but_not_anothers()
    {
        var mine = await RegisterProvider("Mine");
        var theirs = await RegisterProvider("Theirs");
        await WithKey(mine.ApiKey, s => { s.Post.Url($"/api/providers/{mine.Id}/lrs-credentials"); s.StatusCodeShouldBe(201); });
        await WithKey(mine.ApiKey, s => { s.Post.Url($"/api/providers/{theirs.Id}/lrs-credentials"); s.StatusCodeShouldBe(403); });
    }

    [Fact]
    public async Task the_version_header_is_required_and_the_answer_names_the_version_served()
    {
        var lrs = await ConnectLms();
        await AsLms(lrs, s => { s.Get.Url("/xapi/statements"); s.StatusCodeShouldBe(400); }, version: "");
        await AsLms(lrs, s => { s.Get.Url("/xapi/statements"); s.StatusCodeShouldBe(400); }, version: "0.95");
        var old = await AsLms(lrs, s => { s.Get.Url("/xapi/statements"); s.StatusCodeShouldBe(200); }, version: "1.0.1");
        old.Context.Response.Headers["X-Experience-API-Version"].ToString().ShouldBe("1.0.3");
        var about = await Host.Scenario(s => { s.Get.Url("/xapi/about"); s.StatusCodeShouldBe(200); });
        (await about.Json()).GetProperty("version").EnumerateArray().Select(v => v.GetString()).ShouldBe(["2.0.0", "1.0.3"]);
    }

    [Fact]
    public async Task a_statement_is_stored_once_with_authority_stored_and_version_and_a_different_resend_is_a_conflict()
    {
        var lrs = await ConnectLms();
        var statement = Statement(Mbox("someone@example.org"), verb: Experienced);
        var id = await Send(lrs, statement);
        await Send(lrs, statement);
        var conflicting = Statement(Mbox("someone@example.org"), verb: Completed, id: id);
        await AsLms(lrs, s => { s.Post.Json(conflicting).ToUrl("/xapi/statements"); s.StatusCodeShouldBe(409); });

        var stored = await (await AsLms(lrs, s => s.Get.Url($"/xapi/statements?statementId={id}"))).Json();
        stored.GetProperty("authority").GetProperty("account").Str("name").ShouldBe(lrs.ProviderId.ToString());
        stored.Str("version").ShouldBe("2.0.0");
        stored.GetProperty("verb").Str("id").ShouldBe(Experienced);
        (await StoredEventsOf(id)).Count.ShouldBe(1);
    }

    [Fact]
    public async Task a_post_is_one_stream_holding_one_event_per_statement()
    {
        var lrs = await ConnectLms();
        var statements = new[] { Statement(Mbox("a@example.org")), Statement(Mbox("b@example.org")), Statement(Mbox("c@example.org")) };
        var ids = (await (await AsLms(lrs, s => { s.Post.Json(statements).ToUrl("/xapi/statements"); s.StatusCodeShouldBe(200); })).Json())
            .EnumerateArray().Select(x => x.GetGuid()).ToList();

        var events = new List<JasperFx.Events.IEvent>();
        foreach (var id in ids) events.Add((await StoredEventsOf(id)).ShouldHaveSingleItem());
        var stream = events.Select(e => e.StreamId).Distinct().ShouldHaveSingleItem();
        stream.ShouldNotBeOneOf(ids.ToArray());
        events.Select(e => e.Version).ShouldBe([1, 2, 3]);
    }

    [Fact]
    public async Task the_same_statement_sent_at_once_by_many_requests_is_stored_and_recorded_once()
    {
        var lrs = await ConnectLms();
        await RegisterPractitioner(email: "ada@example.org");
        var statement = Statement(Mbox("ada@example.org"));
        var id = Guid.Parse((string)((Dictionary<string, object?>)statement)["id"]!);

        await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => Send(lrs, statement)));

        (await StoredEventsOf(id)).Count.ShouldBe(1);
        (await CompletionsOf(lrs.ProviderId)).Count.ShouldBe(1);
    }

    [Fact]
    public async Task a_statement_stored_in_the_older_shape_its_own_stream_is_read_kept_once_and_voided_as_before()
    {
        var lrs = await ConnectLms();
        var id = Guid.NewGuid();
        var stored = Clock.GetUtcNow();
        var body = new System.Text.Json.Nodes.JsonObject
        {
            ["id"] = id.ToString(), ["verb"] = new System.Text.Json.Nodes.JsonObject { ["id"] = Experienced },
            ["object"] = new System.Text.Json.Nodes.JsonObject { ["objectType"] = "Activity", ["id"] = "https://lms.example.org/old" },
            ["timestamp"] = XapiStatementsEndpoints.Stamp(stored), ["stored"] = XapiStatementsEndpoints.Stamp(stored),
            ["authority"] = new System.Text.Json.Nodes.JsonObject
            {
                ["objectType"] = "Agent", ["account"] = new System.Text.Json.Nodes.JsonObject { ["homePage"] = "http://localhost", ["name"] = lrs.ProviderId.ToString() }
            },
            ["version"] = "2.0.0"
        }.ToJsonString();
        await using (var session = Store.LightweightSession())
        {
            var keyId = Guid.CreateVersion7();
            Keys.Store(session, keyId);
            // As statements were stored before one stream per request: a stream per statement, named by its id.
            session.Events.StartStream<XapiStatement>(id, new XapiStatementStored(id, lrs.ProviderId, stored, body,
                PersonalText.Of(keyId, """{"objectType":"Agent","mbox":"mailto:old@example.org"}"""), "The actor is not a registered practitioner."));
            await session.SaveChangesAsync();
        }

        var read = await (await AsLms(lrs, s => s.Get.Url($"/xapi/statements?statementId={id}"))).Json();
        read.GetProperty("actor").Str("mbox").ShouldBe("mailto:old@example.org");
        var agent = Uri.EscapeDataString("""{"mbox":"mailto:old@example.org"}""");
        (await (await AsLms(lrs, s => s.Get.Url($"/xapi/statements?agent={agent}"))).Json()).GetProperty("statements").GetArrayLength().ShouldBe(1);
        await AsLms(lrs, s => { s.Post.Json(Statement(Mbox("old@example.org"), id: id)).ToUrl("/xapi/statements"); s.StatusCodeShouldBe(409); });

        await Send(lrs, new { actor = Mbox("lms@example.org"), verb = new { id = StatementRules.VoidedVerb }, @object = new { objectType = "StatementRef", id = id.ToString() } });
        await AsLms(lrs, s => { s.Get.Url($"/xapi/statements?statementId={id}"); s.StatusCodeShouldBe(404); });
        await AsLms(lrs, s => { s.Get.Url($"/xapi/statements?voidedStatementId={id}"); s.StatusCodeShouldBe(200); });
        (await StoredEventsOf(id)).ShouldHaveSingleItem().StreamId.ShouldBe(id);
    }

    [Fact]
    public async Task an_invalid_statement_is_refused_whole_naming_the_property()
    {
        var lrs = await ConnectLms();
        var result = await AsLms(lrs, s =>
        {
            s.Post.Json(new object[] { Statement(Mbox("a@example.org")), new { actor = new { mbox = "a@example.org" }, verb = new { id = Completed }, @object = new { id = "https://x.example.org/1" } } })
                .ToUrl("/xapi/statements");
            s.StatusCodeShouldBe(400);
        });
        (await result.ReadAsTextAsync()).ShouldContain("statement.actor.mbox");
        (await (await AsLms(lrs, s => s.Get.Url("/xapi/statements"))).Json()).GetProperty("statements").GetArrayLength().ShouldBe(0);
    }

    [Fact]
    public async Task a_completed_statement_by_mbox_becomes_the_same_completion_a_provider_posts()
    {
        var lrs = await ConnectLms();
        var ada = await RegisterPractitioner(email: "ada.lovelace@example.org");
        var id = await Send(lrs, Statement(Mbox("Ada.Lovelace@Example.org"), Completed, timestamp: "2026-03-03T00:30:00+02:00",
            name: new Dictionary<string, string> { ["en-US"] = "Portfolio offices", ["en-GB"] = "Portfolio Offices (UK)" }));

        var completion = (await CompletionsOf(lrs.ProviderId)).ShouldHaveSingleItem();
        completion.GetProperty("practitionerId").GetGuid().ShouldBe(ada);
        completion.Str("providerReference").ShouldBe($"xapi:{id}");
        completion.GetProperty("course").Str("code").ShouldBe("https://lms.example.org/courses/p3o-foundation");
        completion.GetProperty("course").Str("title").ShouldBe("Portfolio Offices (UK)");
        completion.Str("completedOn").ShouldBe("2026-03-02");
        completion.Str("outcome").ShouldBe("completed");
        completion.GetProperty("cpdPoints").GetDecimal().ShouldBe(0m);
    }

    [Fact]
    public async Task a_passed_statement_by_mbox_sha1sum_carries_the_scaled_score_and_the_cpd_extension()
    {
        var lrs = await ConnectLms();
        var ada = await RegisterPractitioner(email: "ada@example.org");
        var sha = Convert.ToHexStringLower(SHA1.HashData("mailto:ada@example.org"u8.ToArray()));
        await Send(lrs, Statement(new { mbox_sha1sum = sha }, Passed,
            result: new Dictionary<string, object> { ["score"] = new { scaled = 0.9 }, ["extensions"] = new Dictionary<string, object> { [StatementMapping.CpdPointsExtension] = 12.5 } }));

        var completion = (await CompletionsOf(lrs.ProviderId)).ShouldHaveSingleItem();
        completion.GetProperty("practitionerId").GetGuid().ShouldBe(ada);
        completion.Str("outcome").ShouldBe("passed");
        completion.GetProperty("score").GetDecimal().ShouldBe(0.9m);
        completion.GetProperty("cpdPoints").GetDecimal().ShouldBe(12.5m);
    }

    [Fact]
    public async Task a_failed_statement_by_account_on_this_service_scores_raw_over_max()
    {
        var lrs = await ConnectLms();
        var ada = await RegisterPractitioner();
        await Send(lrs, Statement(new { account = new { homePage = "http://localhost/", name = ada.ToString() } }, Failed,
            result: new { score = new { raw = 18, max = 40 }, duration = "PT2H45M" }));

        var completion = (await CompletionsOf(lrs.ProviderId)).ShouldHaveSingleItem();
        completion.GetProperty("practitionerId").GetGuid().ShouldBe(ada);
        completion.Str("outcome").ShouldBe("failed");
        completion.GetProperty("score").GetDecimal().ShouldBe(0.45m);
        completion.GetProperty("cpdPoints").GetDecimal().ShouldBe(2.5m);
    }

    [Fact]
    public async Task an_attended_statement_takes_cpd_points_from_the_context_extension_and_shows_on_the_timeline()
    {
        var lrs = await ConnectLms();
        var ada = await RegisterPractitioner(email: "ada@example.org");
        var id = await Send(lrs, Statement(Mbox("ada@example.org"), Attended,
            context: new { extensions = new Dictionary<string, object> { [StatementMapping.CpdPointsExtension] = 3 } }));

        var completion = (await CompletionsOf(lrs.ProviderId)).ShouldHaveSingleItem();
        completion.Str("outcome").ShouldBe("attended");
        completion.GetProperty("cpdPoints").GetDecimal().ShouldBe(3m);
        var timeline = await Get<JsonElement>($"/api/practitioners/{ada}/timeline");
        timeline.GetProperty("entries").EnumerateArray().Single(e => e.Str("kind") == "training-completed").Str("summary")
            .ShouldEndWith($"Reported by xAPI statement {id}.");
    }

    [Fact]
    public async Task resending_a_mapped_statement_records_one_completion()
    {
        var lrs = await ConnectLms();
        await RegisterPractitioner(email: "ada@example.org");
        var statement = Statement(Mbox("ada@example.org"));
        await Send(lrs, statement);
        await Send(lrs, statement);
        await AsLms(lrs, s =>
        {
            s.Put.Json(statement).ToUrl("/xapi/statements").QueryString("statementId", (string)((Dictionary<string, object?>)statement)["id"]!);
            s.StatusCodeShouldBe(204);
        });
        (await CompletionsOf(lrs.ProviderId)).Count.ShouldBe(1);
    }

    [Fact]
    public async Task voiding_a_mapped_statement_revokes_its_completion_and_hides_the_statement()
    {
        var lrs = await ConnectLms();
        await RegisterPractitioner(email: "ada@example.org");
        var id = await Send(lrs, Statement(Mbox("ada@example.org")));
        var voiding = await Send(lrs, new
        {
            actor = Mbox("lms@example.org"), verb = new { id = StatementRules.VoidedVerb }, @object = new { objectType = "StatementRef", id = id.ToString() }
        });

        var completion = (await CompletionsOf(lrs.ProviderId)).ShouldHaveSingleItem();
        completion.Str("status").ShouldBe("revoked");
        completion.Str("revokedReason").ShouldBe($"voided by statement {voiding}");
        await AsLms(lrs, s => { s.Get.Url($"/xapi/statements?statementId={id}"); s.StatusCodeShouldBe(404); });
        await AsLms(lrs, s => { s.Get.Url($"/xapi/statements?voidedStatementId={id}"); s.StatusCodeShouldBe(200); });
        (await Get<JsonElement>($"/api/providers/{lrs.ProviderId}/xapi/unmapped")).GetProperty("total").GetInt64().ShouldBe(0);
    }

    [Fact]
    public async Task a_batch_may_void_a_statement_it_carries_itself()
    {
        var lrs = await ConnectLms();
        await RegisterPractitioner(email: "ada@example.org");
        var id = Guid.NewGuid();
        var voiding = Guid.NewGuid();
        await AsLms(lrs, s =>
        {
            s.Post.Json(new[]
            {
                Statement(Mbox("ada@example.org"), id: id),
                new Dictionary<string, object>
                {
                    ["id"] = voiding.ToString(), ["actor"] = Mbox("lms@example.org"), ["verb"] = new { id = StatementRules.VoidedVerb },
                    ["object"] = new { objectType = "StatementRef", id = id.ToString() }
                }
            }).ToUrl("/xapi/statements");
            s.StatusCodeShouldBe(200);
        });

        var completion = (await CompletionsOf(lrs.ProviderId)).ShouldHaveSingleItem();
        completion.Str("status").ShouldBe("revoked");
        completion.Str("revokedReason").ShouldBe($"voided by statement {voiding}");
        await AsLms(lrs, s => { s.Get.Url($"/xapi/statements?statementId={id}"); s.StatusCodeShouldBe(404); });
        await AsLms(lrs, s => { s.Get.Url($"/xapi/statements?voidedStatementId={id}"); s.StatusCodeShouldBe(200); });
    }

    [Fact]
    public async Task statements_that_do_not_map_are_stored_and_listed_newest_first_with_the_reason()
    {
        var lrs = await ConnectLms();
        await RegisterPractitioner(email: "ada@example.org");
        var stranger = await Send(lrs, Statement(Mbox("nobody@example.org")));
        Clock.Offset = TimeSpan.FromSeconds(1);
        var otherVerb = await Send(lrs, Statement(Mbox("ada@example.org"), Experienced));
        Clock.Offset = TimeSpan.FromSeconds(2);
        var points = await Send(lrs, Statement(Mbox("ada@example.org"),
            result: new { extensions = new Dictionary<string, object> { [StatementMapping.CpdPointsExtension] = 41 } }));

        (await CompletionsOf(lrs.ProviderId)).ShouldBeEmpty();
        await AsLms(lrs, s => { s.Get.Url($"/xapi/statements?statementId={stranger}"); s.StatusCodeShouldBe(200); });
        var page = await Get<JsonElement>($"/api/providers/{lrs.ProviderId}/xapi/unmapped");
        page.GetProperty("total").GetInt64().ShouldBe(3);
        var items = page.GetProperty("items").EnumerateArray().ToList();
        items.Select(i => i.GetProperty("statementId").GetGuid()).ShouldBe([points, otherVerb, stranger]);
        items[0].Str("reason").ShouldContain("0 to 40");
        items[1].Str("verb").ShouldBe(Experienced);
        items[1].Str("reason").ShouldContain("is not one that records a completion");
        items[2].Str("reason").ShouldContain("not a registered practitioner");
    }

    [Fact]
    public async Task a_providers_credentials_do_not_read_another_providers_statements_or_unmapped_list()
    {
        var mine = await ConnectLms("Mine");
        var theirs = await ConnectLms("Theirs");
        var id = await Send(theirs, Statement(Mbox("someone@example.org")));

        await AsLms(mine, s => { s.Get.Url($"/xapi/statements?statementId={id}"); s.StatusCodeShouldBe(404); });
        (await (await AsLms(mine, s => s.Get.Url("/xapi/statements"))).Json()).GetProperty("statements").GetArrayLength().ShouldBe(0);
        (await (await AsLms(theirs, s => s.Get.Url("/xapi/statements"))).Json()).GetProperty("statements").GetArrayLength().ShouldBe(1);
        await AsLms(mine, s =>
        {
            s.Put.Json(Statement(Mbox("x@example.org"), id: id)).ToUrl("/xapi/statements").QueryString("statementId", id.ToString());
            s.StatusCodeShouldBe(409);
        });
        var auditor = await As(AuditorToken, s => { s.WithRequestHeader("X-Experience-API-Version", "2.0.0"); s.Get.Url($"/xapi/statements?statementId={id}"); });
        auditor.Context.Response.StatusCode.ShouldBe(200);
    }

    [Fact]
    public async Task statements_are_events_under_the_chain_with_the_actor_kept_apart()
    {
        var lrs = await ConnectLms();
        var id = await Send(lrs, Statement(Mbox("someone@example.org")));
        await using var session = Store.QuerySession();
        var stored = (await session.Events.QueryRawEventDataOnly<XapiStatementStored>().Where(e => e.StatementId == id).ToListAsync()).ShouldHaveSingleItem();
        stored.Actor.Text.ShouldContain("mailto:someone@example.org");
        stored.Statement.ShouldNotContain("someone@example.org");
    }

    [Fact]
    public async Task after_an_erasure_statements_about_the_person_no_longer_match_them()
    {
        var lrs = await ConnectLms();
        var ada = await RegisterPractitioner(email: "ada@example.org");
        await As(AdminToken, s => { s.Post.Json(new { reason = "Subject's request" }).ToUrl($"/api/practitioners/{ada}/erase"); s.StatusCodeShouldBe(204); });

        var sha = Convert.ToHexStringLower(SHA1.HashData("mailto:ada@example.org"u8.ToArray()));
        await Send(lrs, Statement(Mbox("ada@example.org")));
        await Send(lrs, Statement(new { mbox_sha1sum = sha }));
        await Send(lrs, Statement(new { account = new { homePage = "http://localhost/", name = ada.ToString() } }));

        (await CompletionsOf(lrs.ProviderId)).ShouldBeEmpty();
        (await Get<JsonElement>($"/api/providers/{lrs.ProviderId}/xapi/unmapped")).GetProperty("total").GetInt64().ShouldBe(3);
    }

    [Fact]
    public async Task what_was_stated_about_an_activity_is_read_with_lrs_credentials_or_by_an_auditor_only()
    {
        var lrs = await ConnectLms();
        var ada = await RegisterPractitioner();
        const string url = "/xapi/activities?activityId=http%3A%2F%2Fexample.org%2Fcourses%2Fany";
        await AsLms(lrs, s => { s.Get.Url(url); s.StatusCodeShouldBe(200); });
        await As(AuditorToken, s => { s.WithRequestHeader("X-Experience-API-Version", "2.0.0"); s.Get.Url(url); s.StatusCodeShouldBe(200); });
        await As(PractitionerToken(ada), s => { s.WithRequestHeader("X-Experience-API-Version", "2.0.0"); s.Get.Url(url); s.StatusCodeShouldBe(403); });
    }

    [Fact]
    public async Task the_alternate_request_syntax_is_routed_as_the_request_it_stands_for_within_the_body_limit()
    {
        var lrs = await ConnectLms();
        var basic = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{lrs.Key}:{lrs.Secret}"));
        var id = await Send(lrs, Statement(Mbox("someone@example.org"), verb: Experienced));

        var read = await Host.Scenario(s =>
        {
            s.Post.FormData(new Dictionary<string, string> { ["Authorization"] = basic, ["X-Experience-API-Version"] = "1.0.3", ["statementId"] = id.ToString() })
                .ToUrl("/xapi/statements").QueryString("method", "GET");
            s.StatusCodeShouldBe(200);
        });
        (await read.Json()).Str("id").ShouldBe(id.ToString());

        var huge = await Host.Scenario(s =>
        {
            s.Post.FormData(new Dictionary<string, string> { ["Authorization"] = basic, ["content"] = new string('x', 5 * 1024 * 1024) })
                .ToUrl("/xapi/statements").QueryString("method", "PUT");
            s.StatusCodeShouldBe(413);
            s.ContentTypeShouldBe("application/problem+json");
        });
        var broken = await Host.Scenario(s =>
        {
            s.Post.FormData(Enumerable.Range(0, 2000).ToDictionary(i => $"field{i}", i => "1")).ToUrl("/xapi/statements").QueryString("method", "GET");
            s.StatusCodeShouldBe(400);
            s.ContentTypeShouldBe("application/problem+json");
        });
        (await broken.ReadAsTextAsync()).ShouldContain("form");
    }

    [Fact]
    public async Task the_auditors_as_of_timeline_shows_what_a_statement_recorded_and_the_event_log_holds_the_statement()
    {
        var lrs = await ConnectLms();
        var ada = await RegisterPractitioner(email: "ada@example.org");
        var id = await Send(lrs, Statement(Mbox("ada@example.org")));

        var asOf = Uri.EscapeDataString(Clock.GetUtcNow().UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.ffffffZ"));
        var past = await Get<JsonElement>($"/api/audit/practitioners/{ada}/timeline?asOf={asOf}", AuditorToken);
        past.GetProperty("entries").EnumerateArray().ShouldContain(e => e.Str("summary").EndsWith($"Reported by xAPI statement {id}."));

        var log = await (await As(AuditorToken, s => s.Get.Url("/api/audit/events?limit=10000"))).ReadAsTextAsync();
        log.Split('\n').ShouldContain(line => line.Contains($"\"statementId\":\"{id}\"") && line.Contains("xapi_statement_stored"));
    }
}
