using Microsoft.AspNetCore.Mvc.RazorPages;
using PmoLedger.Features.Audit;

namespace PmoLedger.Web.Pages.Audit;

/// <summary>The campaign form as typed, kept as text so a wrong value comes back as entered.</summary>
public sealed class CampaignForm
{
    public string? Name { get; set; }
    public string? PeriodFrom { get; set; }
    public string? PeriodTo { get; set; }
    public string? SampleSize { get; set; }
    public string? SampleRate { get; set; }
    public string? Seed { get; set; }
    public string? ResponseDays { get; set; }

    public (OpenCpdAuditCampaign Command, Problems Unreadable) Parse()
    {
        var unreadable = new Problems();
        var size = WebWrite.ReadNumber(SampleSize, "sampleSize", unreadable);
        var rate = WebWrite.ReadNumber(SampleRate, "sampleRate", unreadable);
        var seed = WebWrite.ReadNumber(Seed, "seed", unreadable);
        var days = WebWrite.ReadNumber(ResponseDays, "responseDays", unreadable);
        return (new OpenCpdAuditCampaign(Name, WebWrite.ReadDate(PeriodFrom, "periodFrom", unreadable), WebWrite.ReadDate(PeriodTo, "periodTo", unreadable),
            Whole(size, "sampleSize", unreadable), rate, seed is { } s && s == decimal.Truncate(s) && s is >= long.MinValue and <= long.MaxValue ? (long)s : null,
            Whole(days, "responseDays", unreadable)), unreadable);
    }

    private static int? Whole(decimal? value, string field, Problems unreadable)
    {
        if (value is null) return null;
        if (value == decimal.Truncate(value.Value) && value is >= int.MinValue and <= int.MaxValue) return (int)value.Value;
        unreadable.Add(field, $"'{field}' must be a whole number.");
        return null;
    }
}

/// <summary>CPD audit campaigns for auditors: the list, the form that opens one, and one campaign's audits.</summary>
[WebAuthorize(Roles.Auditor)]
public sealed class CpdCampaignsModel(IQuerySession session, IDocumentSession writer, WebWrite write, TimeProvider clock) : PageModel
{
    public IReadOnlyList<CampaignSummary> Campaigns { get; private set; } = [];
    public CampaignView? Campaign { get; private set; }
    public Reproduction? Reproduction { get; private set; }
    public IReadOnlyDictionary<Guid, string> Names { get; private set; } = new Dictionary<Guid, string>();

    [BindProperty]
    public CampaignForm Form { get; set; } = new();

    public IDictionary<string, string[]> Errors { get; private set; } = new Dictionary<string, string[]>();

    public async Task<IActionResult> OnGetAsync(Guid? id, CancellationToken ct)
    {
        if (id is { } campaignId)
        {
            Campaign = WebRead.Value<CampaignView>(await CpdAuditCampaignRoutes.Get(campaignId, session, ct));
            if (Campaign is null) return NotFound();
            var profiles = await session.LoadManyAsync<PmoLedger.Features.Practitioners.PractitionerProfile>(ct,
                Campaign.Audits.Select(a => a.PractitionerId).ToArray());
            Names = profiles.ToDictionary(p => p.Id, p => p.FullName);
            return Page();
        }
        return await List(ct);
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        var (command, unreadable) = Form.Parse();
        Errors = WebWrite.Merge(OpenCpdAuditCampaignEndpoint.Validate(command), unreadable);
        if (Errors.Count > 0)
        {
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return await List(ct);
        }
        write.Begin(User);
        var (result, messages) = await OpenCpdAuditCampaignEndpoint.Post(command, writer, clock, ct);
        if (await write.Commit(messages, ct) is { } failed)
        {
            Errors = WebWrite.Errors(failed);
            Response.StatusCode = failed.Status ?? StatusCodes.Status400BadRequest;
            return await List(ct);
        }
        var opened = WebRead.Value<CampaignOpened>(result)!;
        return RedirectToPage(new { id = opened.CampaignId });
    }

    public async Task<IActionResult> OnPostReproduceAsync(Guid id, CancellationToken ct)
    {
        Reproduction = WebRead.Value<Reproduction>(await CpdAuditCampaignRoutes.Reproduce(id, session, ct));
        return await OnGetAsync(id, ct);
    }

    private async Task<IActionResult> List(CancellationToken ct)
    {
        Campaigns = await CpdAuditCampaignRoutes.List(session, ct);
        return Page();
    }

    public string? ErrorOf(string field) => Errors.TryGetValue(field, out var messages) ? string.Join(" ", messages) : null;
}
