using System.Text.Json.Nodes;
using PmoLedger.Features.Practitioners;
using PmoLedger.Features.Xapi;

namespace PmoLedger.Tests.Features.Xapi;

/// <summary>The mapping table of xapi.md, row by row, as the pure function it is.</summary>
public class StatementMappingTests
{
    private static readonly Guid Ada = Guid.CreateVersion7();
    private static readonly DateOnly Today = new(2026, 11, 1);

    private static JsonObject Statement(string verb = "http://adlnet.gov/expapi/verbs/completed", string? result = null, string? context = null,
        string name = """{"en-US":"US title","en-GB":"GB title","fr":"Titre"}""", string timestamp = "2026-03-03T00:30:00+02:00") =>
        JsonNode.Parse(
            "{\"id\":\"6a0b1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d\",\"actor\":{\"mbox\":\"mailto:ada@example.org\"},\"verb\":{\"id\":\"" + verb + "\"}," +
            "\"object\":{\"id\":\"https://lms.example.org/courses/1\",\"definition\":{\"name\":" + name + "}}," +
            "\"timestamp\":\"" + timestamp + "\",\"stored\":\"2026-03-04T10:00:00Z\"" +
            (result is null ? "" : ",\"result\":" + result) + (context is null ? "" : ",\"context\":" + context) + "}")!.AsObject();

    [Theory]
    [InlineData("http://adlnet.gov/expapi/verbs/completed", TrainingOutcome.Completed)]
    [InlineData("http://adlnet.gov/expapi/verbs/passed", TrainingOutcome.Passed)]
    [InlineData("http://adlnet.gov/expapi/verbs/failed", TrainingOutcome.Failed)]
    [InlineData("http://adlnet.gov/expapi/verbs/attended", TrainingOutcome.Attended)]
    public void the_verb_gives_the_outcome(string verb, TrainingOutcome outcome) =>
        StatementMapping.Map(Statement(verb), Ada, Today).Completion!.Outcome.ShouldBe(outcome);

    [Fact]
    public void another_verb_is_unmapped_with_the_verb_named() =>
        StatementMapping.Map(Statement("http://adlnet.gov/expapi/verbs/experienced"), Ada, Today).Reason!.ShouldContain("verbs/experienced");

    [Fact]
    public void an_unknown_actor_is_unmapped() =>
        StatementMapping.Map(Statement(), null, Today).Reason!.ShouldContain("not a registered practitioner");

    [Fact]
    public void reference_code_title_and_date_come_from_the_statement()
    {
        var completion = StatementMapping.Map(Statement(), Ada, Today).Completion!;
        completion.ProviderReference.ShouldBe("xapi:6a0b1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d");
        completion.CourseCode.ShouldBe("https://lms.example.org/courses/1");
        completion.CourseTitle.ShouldBe("GB title");
        // 00:30 at +02:00 is the evening before in UTC.
        completion.CompletedOn.ShouldBe(new DateOnly(2026, 3, 2));
        completion.EvidenceUrl.ShouldBeNull();
    }

    [Theory]
    [InlineData("""{"en-US":"US","en":"plain"}""", "US")]
    [InlineData("""{"de":"Kurs","en":"plain"}""", "plain")]
    [InlineData("""{"de":"Kurs","fr":"Cours"}""", "Kurs")]
    [InlineData("""{}""", "https://lms.example.org/courses/1")]
    public void the_title_prefers_british_then_american_then_english_then_the_first_then_the_iri(string names, string title) =>
        StatementMapping.Map(Statement(name: names), Ada, Today).Completion!.CourseTitle.ShouldBe(title);

    [Theory]
    [InlineData("""{"score":{"scaled":0.82}}""", 0.82)]
    [InlineData("""{"score":{"scaled":-0.5,"raw":30,"max":40}}""", 0.75)]
    [InlineData("""{"score":{"raw":30,"max":40,"min":0}}""", 0.75)]
    [InlineData("""{"score":{"raw":30,"max":40,"min":10}}""", null)]
    [InlineData("""{"score":{"raw":30}}""", null)]
    public void the_score_is_scaled_or_raw_over_max(string result, double? score) =>
        StatementMapping.Map(Statement(result: result), Ada, Today).Completion!.Score.ShouldBe(score is null ? null : (decimal)score);

    [Theory]
    [InlineData("""{"extensions":{"urn:pmoledger:xapi:cpd-points":7.5},"duration":"PT3H"}""", null, 7.5)]
    [InlineData(null, """{"extensions":{"urn:pmoledger:xapi:cpd-points":4}}""", 4)]
    [InlineData("""{"duration":"PT2H59M"}""", null, 2.5)]
    [InlineData("""{"duration":"P3D"}""", null, 40)]
    [InlineData(null, null, 0)]
    public void cpd_points_come_from_the_extension_else_the_duration(string? result, string? context, double points) =>
        StatementMapping.Map(Statement(result: result, context: context), Ada, Today).Completion!.CpdPoints.ShouldBe((decimal)points);

    [Theory]
    [InlineData("41")]
    [InlineData("7.25")]
    [InlineData("\"7\"")]
    [InlineData("-1")]
    public void cpd_points_out_of_range_leave_the_statement_unmapped(string points) =>
        StatementMapping.Map(Statement(result: "{\"extensions\":{\"urn:pmoledger:xapi:cpd-points\":" + points + "}}"), Ada, Today)
            .Reason!.ShouldContain("0 to 40 in steps of 0.5");

    [Fact]
    public void a_statement_dated_in_the_future_is_unmapped() =>
        StatementMapping.Map(Statement(timestamp: "2026-11-02T09:00:00Z"), Ada, Today).Reason!.ShouldContain("in the future");

    [Fact]
    public void an_agent_as_object_is_unmapped()
    {
        var statement = Statement();
        statement["object"] = new JsonObject { ["objectType"] = "Agent", ["mbox"] = "mailto:tutor@example.org" };
        StatementMapping.Map(statement, Ada, Today).Reason!.ShouldContain("not an Activity");
    }

    [Theory]
    [InlineData("""{"mbox":"mailto:Ada@Example.org"}""", "ada@example.org", null, null)]
    [InlineData("""{"mbox_sha1sum":"ABCDEF0123456789ABCDEF0123456789ABCDEF01"}""", null, "abcdef0123456789abcdef0123456789abcdef01", null)]
    [InlineData("""{"account":{"homePage":"https://ledger.example.org/","name":"0193c5a8-7b4e-7c2d-9f1a-2b3c4d5e6f70"}}""", null, null, "0193c5a8-7b4e-7c2d-9f1a-2b3c4d5e6f70")]
    [InlineData("""{"account":{"homePage":"https://elsewhere.example.org","name":"0193c5a8-7b4e-7c2d-9f1a-2b3c4d5e6f70"}}""", null, null, null)]
    [InlineData("""{"objectType":"Group","mbox":"mailto:team@example.org"}""", null, null, null)]
    public void the_actor_names_a_practitioner_by_mbox_sha1_or_an_account_here(string actor, string? email, string? sha, string? account)
    {
        var identity = ActorIdentity.Of(JsonNode.Parse(actor), "https://ledger.example.org");
        identity.Email.ShouldBe(email);
        identity.MboxSha1.ShouldBe(sha);
        identity.AccountId.ShouldBe(account is null ? null : Guid.Parse(account));
    }

    [Fact]
    public void the_sha1_lookup_hashes_the_lower_cased_mailto_iri() =>
        // sha1("mailto:ada@example.org"), as an LMS computes it
        PractitionerMboxHash.Sha1Of("Ada@Example.org").ShouldBe("d714b8a95bd857a37405a7b56db9108b60ae42bd");
}
