using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using PmoLedger.Features.Certifications;
using PmoLedger.Features.Completions;
using PmoLedger.Features.Practitioners;
using PmoLedger.Infrastructure;

namespace PmoLedger.Tests.Features.Completions;

/// <summary>The completion intake's rules without a service or a database: parsing, the idempotency rule, Decide, CSV and JSON batches.</summary>
public class CompletionRulesTests
{
    private static readonly DateOnly Today = new(2026, 6, 1);
    private static readonly DateTimeOffset Now = Clock.StartOf(Today).AddHours(9);
    private static readonly Poster Academy = new(Guid.NewGuid(), "PMO Academy", "provider:academy");
    private static readonly JsonSerializerOptions Options = Configured();

    private static JsonSerializerOptions Configured()
    {
        var options = new JsonSerializerOptions();
        PmoLedger.Infrastructure.Json.Configure(options);
        return options;
    }

    private static Completion Course(string reference = "ref-1", string code = "PMO-101", decimal points = 7,
        TrainingOutcome outcome = TrainingOutcome.Passed, DateOnly? on = null) =>
        new(reference, code, "Intro to P3O", on ?? new DateOnly(2026, 1, 15), outcome, 0.85m, points, null);

    private static Practitioner Registered() =>
        Practitioner.Fold(null, new PractitionerRegistered(Guid.Empty, PersonalText.Of(Guid.Empty, "Ada"), PersonalText.Of(Guid.Empty, "ada@example.org"), new DateOnly(2020, 1, 1)))!;

    private static IDictionary<string, string[]> Errors(ProblemDetails problem) => problem.ShouldBeOfType<HttpValidationProblemDetails>().Errors;

    [Theory]
    [InlineData("""{"course":{"code":"PMO-101","title":"Intro"},"completedOn":"2026-01-15","outcome":"passed","cpdPoints":7}""", "providerReference")]
    [InlineData("""{"providerReference":"r","completedOn":"2026-01-15","outcome":"passed","cpdPoints":7}""", "course")]
    [InlineData("""{"providerReference":"r","course":{"title":"Intro"},"completedOn":"2026-01-15","outcome":"passed"}""", "course.code")]
    [InlineData("""{"providerReference":"r","course":{"code":"PMO-101"},"completedOn":"2026-01-15","outcome":"passed"}""", "course.title")]
    [InlineData("""{"providerReference":"r","course":{"code":"PMO-101","title":"Intro"},"outcome":"passed"}""", "completedOn")]
    [InlineData("""{"providerReference":"r","course":{"code":"PMO-101","title":"Intro"},"completedOn":"2999-01-01","outcome":"passed"}""", "completedOn")]
    [InlineData("""{"providerReference":"r","course":{"code":"PMO-101","title":"Intro"},"completedOn":"1899-12-31","outcome":"passed"}""", "completedOn")]
    [InlineData("""{"providerReference":"r","course":{"code":"PMO-101","title":"Intro"},"completedOn":"2026-01-15"}""", "outcome")]
    [InlineData("""{"providerReference":"r","course":{"code":"PMO-101","title":"Intro"},"completedOn":"2026-01-15","outcome":"aced"}""", "outcome")]
    [InlineData("""{"providerReference":"r","course":{"code":"PMO-101","title":"Intro"},"completedOn":"2026-01-15","outcome":"Passed"}""", "outcome")]
    [InlineData("""{"providerReference":"r","course":{"code":"PMO-101","title":"Intro"},"completedOn":"2026-01-15","outcome":"passed","score":1.5}""", "score")]
    [InlineData("""{"providerReference":"r","course":{"code":"PMO-101","title":"Intro"},"completedOn":"2026-01-15","outcome":"passed","score":-0.1}""", "score")]
    [InlineData("""{"providerReference":"r","course":{"code":"PMO-101","title":"Intro"},"completedOn":"2026-01-15","outcome":"passed","cpdPoints":40.5}""", "cpdPoints")]
    [InlineData("""{"providerReference":"r","course":{"code":"PMO-101","title":"Intro"},"completedOn":"2026-01-15","outcome":"passed","cpdPoints":7.25}""", "cpdPoints")]
    [InlineData("""{"providerReference":"r","course":{"code":"PMO-101","title":"Intro"},"completedOn":"2026-01-15","outcome":"passed","cpdPoints":-1}""", "cpdPoints")]
    [InlineData("""{"providerReference":"r","course":{"code":"PMO-101","title":"Intro"},"completedOn":"2026-01-15","outcome":"passed","evidenceUrl":"ftp://x/y"}""", "evidenceUrl")]
    [InlineData("""{"providerReference":"r","course":{"code":"PMO-101","title":"Intro"},"completedOn":"2026-01-15","outcome":"passed","evidenceUrl":"not a url"}""", "evidenceUrl")]
    public void an_invalid_completion_is_no_command_and_the_problem_names_the_field(string body, string field)
    {
        var problems = new Problems();
        JsonSerializer.Deserialize<CompleteTraining>(body, Options)!.Parse(problems, Today).ShouldBeNull();
        problems.Errors.Keys.ShouldContain(field);
    }

    [Fact]
    public void a_valid_completion_is_trimmed_once_into_the_command()
    {
        var body = new CompleteTraining(" ref-1 ", new CourseInput(" PMO-101 ", " Intro "), new DateOnly(2026, 1, 15), "passed", null, null, null);
        body.Parse(new Problems(), Today).ShouldBe(new Completion("ref-1", "PMO-101", "Intro", new DateOnly(2026, 1, 15),
            TrainingOutcome.Passed, null, 0m, null));
    }

    [Fact]
    public void the_same_completion_has_the_same_fingerprint_whatever_the_number_spelling()
    {
        var practitioner = Guid.NewGuid();
        Course(points: 7m).Fingerprint(practitioner).ShouldBe(Course(points: 7.00m).Fingerprint(practitioner));
        Course(points: 7m).Fingerprint(practitioner).ShouldNotBe(Course(points: 7.5m).Fingerprint(practitioner));
        Course().Fingerprint(practitioner).ShouldNotBe(Course().Fingerprint(Guid.NewGuid()));
    }

    [Fact]
    public void a_new_completion_records_the_event_and_its_receipt_with_the_ids_and_time_given()
    {
        var ada = Registered();
        var id = Guid.NewGuid();

        var record = CompletionDecision.Decide(Course(), ada.Id, ada, null, Academy, id, Now).ShouldBeOfType<CompletionDecision.Record>();

        record.CompletionId.ShouldBe(id);
        var completed = record.Events.ShouldHaveSingleItem().ShouldBeOfType<TrainingCompleted>();
        (completed.CompletionId, completed.ProviderId, completed.ProviderName, completed.CpdPoints).ShouldBe((id, Academy.ProviderId, "PMO Academy", 7m));
        record.Receipt.Id.ShouldBe($"{Academy.ProviderId}/ref-1");
        record.Receipt.BodyHash.ShouldBe(Course().Fingerprint(ada.Id));
        record.Messages.ShouldBeEmpty();
    }

    [Fact]
    public void a_resend_is_the_same_completion_and_a_changed_body_under_the_same_reference_is_refused()
    {
        var ada = Registered();
        var first = CompletionDecision.Decide(Course(), ada.Id, ada, null, Academy, Guid.NewGuid(), Now).ShouldBeOfType<CompletionDecision.Record>();
        var after = ada.Then(first.Events);

        CompletionDecision.Decide(Course(points: 7.0m), ada.Id, after, first.Receipt, Academy, Guid.NewGuid(), Now)
            .ShouldBe(new CompletionDecision.Resent(first.CompletionId));
        CompletionDecision.Decide(Course(outcome: TrainingOutcome.Failed), ada.Id, after, first.Receipt, Academy, Guid.NewGuid(), Now)
            .ShouldBe(new CompletionDecision.ReferenceTaken("ref-1", first.CompletionId));
        // The same reference for another practitioner is a different completion, not a resend.
        CompletionDecision.Decide(Course(), Guid.NewGuid(), Registered(), first.Receipt, Academy, Guid.NewGuid(), Now)
            .ShouldBeOfType<CompletionDecision.ReferenceTaken>();
    }

    [Fact]
    public void after_an_erasure_a_completion_with_evidence_is_refused_and_one_without_is_recorded()
    {
        var erased = Registered().Then([new PersonalDataErased("ticket 1")]);
        var withEvidence = Course() with { EvidenceUrl = "https://example.org/certificate/1" };

        CompletionDecision.Decide(withEvidence, erased.Id, erased, null, Academy, Guid.NewGuid(), Now)
            .ShouldBe(new CompletionDecision.PersonalDataErased(erased.Id));
        CompletionDecision.Decide(Course(), erased.Id, erased, null, Academy, Guid.NewGuid(), Now)
            .ShouldBeOfType<CompletionDecision.Record>();
    }

    [Fact]
    public void nobody_on_record_is_no_such_practitioner()
    {
        CompletionDecision.Decide(Course(), Guid.NewGuid(), null, null, Academy, Guid.NewGuid(), Now)
            .ShouldBeOfType<CompletionDecision.NoSuchPractitioner>();
    }

    [Fact]
    public void a_pass_of_a_held_certifications_exam_in_its_final_year_renews_it_and_schedules_the_new_renew_by()
    {
        var awardedOn = new DateOnly(2023, 9, 1);
        var award = new CertificationAwarded(Guid.NewGuid(), "P3O-F", "P3O Foundation", awardedOn, PersonalText.Of(Guid.Empty, "N-1"),
            CertificationRules.RenewByFrom(awardedOn), "axelos-2024", null);
        var ada = Registered().Then([award]);

        var record = CompletionDecision.Decide(Course(code: "p3o-f", on: new DateOnly(2026, 5, 1)), ada.Id, ada, null, Academy, Guid.NewGuid(), Now)
            .ShouldBeOfType<CompletionDecision.Record>();

        var renewed = record.Events[1].ShouldBeOfType<CertificationRenewed>();
        renewed.RenewBy.ShouldBe(new DateOnly(2029, 9, 1));
        var message = record.Messages.Where(m => m.Message is SettleCertifications).ShouldHaveSingleItem();
        message.Message.ShouldBe(new SettleCertifications(ada.Id, award.CertificationId));
        message.Delay.ShouldBe(Clock.StartOf(new DateOnly(2029, 9, 1)) - Now);
        // The new renewBy brings its own renewal notices (docs/notifications.md).
        record.Messages.Select(m => m.Message).OfType<PmoLedger.Features.Notifications.SendRenewalNotice>()
            .ShouldAllBe(n => n.RenewBy == new DateOnly(2029, 9, 1));
    }

    // ---- CSV ----

    private static List<(BatchItem? Item, ProblemDetails? Unreadable)> Rows(string csv)
    {
        var (items, problem) = PostCompletionBatchEndpoint.ReadCsv(csv, Options);
        problem.ShouldBeNull();
        return items!;
    }

    private static ProblemDetails Refused(string csv)
    {
        var (items, problem) = PostCompletionBatchEndpoint.ReadCsv(csv, Options);
        items.ShouldBeNull();
        return problem!;
    }

    [Fact]
    public void csv_quoting_blank_lines_a_byte_order_mark_and_columns_in_any_order_read_as_json_would()
    {
        var rows = Rows("\uFEFFoutcome,courseTitle,practitionerEmail,providerReference,completedOn,courseCode,cpdPoints,score\r\n" +
                        "passed,\"Risk, issues and \"\"RAID\"\" logs\",ada@example.org,csv-1,2026-01-10,PMO-210,3.5,0.75\r\n" +
                        "\r\n" +
                        "attended,\"Two-line\ntitle\",ada@example.org,csv-2,2026-01-11,PMO-220,,\n\n");

        rows.Select(r => r.Item).ShouldBe([
            new BatchItem(null, "ada@example.org", "csv-1", new CourseInput("PMO-210", "Risk, issues and \"RAID\" logs"), new DateOnly(2026, 1, 10),
                "passed", 0.75m, 3.5m, null),
            new BatchItem(null, "ada@example.org", "csv-2", new CourseInput("PMO-220", "Two-line\ntitle"), new DateOnly(2026, 1, 11),
                "attended", null, null, null)
        ]);
    }

    [Fact]
    public void a_csv_row_that_cannot_be_read_fails_alone_naming_its_line_or_field()
    {
        var rows = Rows("practitionerId,providerReference,courseCode,courseTitle,completedOn,outcome,cpdPoints\n" +
                        $"{Guid.NewGuid()},ok,PMO-101,Intro,2026-01-15,passed,7\n" +
                        $"{Guid.NewGuid()},bad-date,PMO-101,Intro,15/01/2026,passed,7\n" +
                        $"{Guid.NewGuid()},bad-points,PMO-101,Intro,2026-01-15,passed,seven\n" +
                        "not-a-guid,bad-id,PMO-101,Intro,2026-01-15,passed,7\n" +
                        $"{Guid.NewGuid()},too-few,PMO-101\n");

        rows[0].Item.ShouldNotBeNull();
        Errors(rows[1].Unreadable!)["completedOn"].ShouldBe(["'completedOn' must be a date as YYYY-MM-DD."]);
        Errors(rows[2].Unreadable!).Keys.ShouldBe(["cpdPoints"]);
        Errors(rows[3].Unreadable!).Keys.ShouldBe(["practitionerId"]);
        Errors(rows[4].Unreadable!)["row"].ShouldBe(["Line 6 has 3 fields; the header has 7."]);
    }

    [Theory]
    [InlineData("practitionerId,providerReference,courseCode,courseTitle,completedOn,outcome,grade\n", "Unknown column 'grade'")]
    [InlineData("practitionerId,courseCode,courseTitle,completedOn,outcome\n", "Column 'providerReference' is required.")]
    [InlineData("providerReference,courseCode,courseTitle,completedOn,outcome\n", "A 'practitionerId' or a 'practitionerEmail' column is required.")]
    [InlineData("practitionerId,practitionerId,providerReference,courseCode,courseTitle,completedOn,outcome\n", "Column 'practitionerId' appears more than once.")]
    [InlineData("", "The CSV needs a header row naming its columns.")]
    public void a_bad_csv_header_refuses_the_whole_file(string csv, string message)
    {
        var problem = Refused(csv);
        problem.Status.ShouldBe(StatusCodes.Status400BadRequest);
        Errors(problem).Values.SelectMany(m => m).ShouldContain(m => m.StartsWith(message));
    }

    [Theory]
    [InlineData("\"unclosed,r,C,T,2026-01-15,passed\n", 2)]
    [InlineData("id,\"closed\"junk,C,T,2026-01-15,passed\n", 2)]
    [InlineData("id,r,C,T,2026-01-15,passed\nid,ab\"c,C,T,2026-01-15,passed\n", 3)]
    public void broken_csv_quoting_refuses_the_file_naming_the_line(string rows, int line)
    {
        Errors(Refused("practitionerId,providerReference,courseCode,courseTitle,completedOn,outcome\n" + rows))["body"].ShouldHaveSingleItem().ShouldContain($"at line {line}:");
    }

    [Fact]
    public void more_rows_than_a_batch_holds_is_413_before_anything_is_decided()
    {
        var csv = new StringBuilder("practitionerEmail,providerReference,courseCode,courseTitle,completedOn,outcome\n");
        for (var i = 0; i <= PostCompletionBatchEndpoint.MaxItems; i++) csv.Append($"a@example.org,r-{i},C,T,2026-01-15,passed\n");
        Refused(csv.ToString()).Status.ShouldBe(StatusCodes.Status413PayloadTooLarge);
    }

    // ---- JSON batches ----

    private static async Task<(List<(BatchItem? Item, ProblemDetails? Unreadable)>? Items, ProblemDetails? Problem)> ReadJson(string json) =>
        await PostCompletionBatchEndpoint.ReadJson(new MemoryStream(Encoding.UTF8.GetBytes(json)), Options, CancellationToken.None);

    [Fact]
    public async Task a_json_item_of_the_wrong_shape_fails_alone_and_the_batch_item_parses_to_the_same_command_as_a_single_post()
    {
        var id = Guid.NewGuid();
        var (items, problem) = await ReadJson($$"""
            {"items":[
              {"practitionerId":"{{id}}","providerReference":"r","course":{"code":"PMO-101","title":"Intro to P3O"},"completedOn":"2026-01-15","outcome":"passed","score":0.85,"cpdPoints":7},
              42,
              {"practitionerId":"{{id}}","providerReference":"r","cpdPoints":"seven"}
            ]}
            """);

        problem.ShouldBeNull();
        items![0].Item!.Parse(new Problems(), Today).ShouldBe(new IntakeItem(new PractitionerRef(id, null), Course("r")));
        Errors(items[1].Unreadable!).Keys.ShouldBe(["item"]);
        Errors(items[2].Unreadable!).Keys.ShouldBe(["cpdPoints"]);
    }

    [Theory]
    [InlineData("""{"items":{}}""", "items")]
    [InlineData("""[1,2]""", "items")]
    [InlineData("""{"items":[""", "body")]
    public async Task a_json_batch_without_an_items_array_is_refused(string json, string field)
    {
        var (items, problem) = await ReadJson(json);
        items.ShouldBeNull();
        Errors(problem!).Keys.ShouldBe([field]);
    }

    [Fact]
    public void a_batch_item_names_exactly_one_practitioner()
    {
        var both = new BatchItem(Guid.NewGuid(), "a@example.org", "r", new CourseInput("C", "T"), new DateOnly(2026, 1, 15), "passed", null, null, null);
        var problems = new Problems();
        both.Parse(problems, Today).ShouldBeNull();
        problems.Errors.Keys.ShouldBe(["practitionerId"]);
        (both with { PractitionerId = null, PractitionerEmail = " " }).Parse(new Problems(), Today).ShouldBeNull();
    }
}
