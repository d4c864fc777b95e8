using System.Globalization;
using System.Xml.Linq;
using PmoLedger.Features.Cpd;
using PmoLedger.Features.Practitioners;

namespace PmoLedger.Web;

/// <summary>A role drawn on the career chart: lane 0 is the main career, concurrent roles stack above it.</summary>
public sealed record CareerBand(string Title, string Organisation, RoleFamily Family, DateOnly From, DateOnly? To, int Lane);

public sealed record CareerChart(IReadOnlyList<CareerBand> Bands, IReadOnlyList<(DateOnly On, CareerLevel Level)> Steps, DateOnly Start, DateOnly Today)
{
    private const double Width = 800, Left = 10, Right = 790, LaneHeight = 30, Top = 34;

    public int Lanes => Bands.Count == 0 ? 1 : Bands.Max(b => b.Lane) + 1;

    /// <summary>Lays roles out in lanes: each concurrent role takes the lowest lane free over its whole period.</summary>
    public static CareerChart For(IReadOnlyList<RoleRecord> roles, DateOnly today)
    {
        var bands = new List<CareerBand>();
        foreach (var role in roles.OrderBy(r => r.Concurrent).ThenBy(r => r.StartedOn))
        {
            var lane = role.Concurrent ? 1 : 0;
            while (role.Concurrent && bands.Any(b => b.Lane == lane && Overlaps(b, role, today))) lane++;
            bands.Add(new CareerBand(role.Title, role.Organisation, role.RoleFamily, role.StartedOn, role.EndedOn, lane));
        }
        var start = roles.Count == 0 ? today.AddYears(-1) : roles.Min(r => r.StartedOn);
        return new CareerChart(bands.OrderBy(b => b.From).ToList(), Career.LevelSteps(roles.Select(r => r.Period).ToList(), today), start, today);
    }

    private static bool Overlaps(CareerBand band, RoleRecord role, DateOnly today) =>
        band.From <= (role.EndedOn ?? today) && role.StartedOn <= (band.To ?? today);

    public double X(DateOnly day)
    {
        var span = Math.Max(1, Today.DayNumber - Start.DayNumber);
        return Math.Round(Left + (Right - Left) * (Math.Clamp(day.DayNumber, Start.DayNumber, Today.DayNumber) - Start.DayNumber) / span, 1);
    }

    public double LaneY(int lane) => Top + (Lanes - 1 - lane) * LaneHeight;

    public string Render()
    {
        var height = Top + Lanes * LaneHeight + 28;
        var svg = Svg.Root(Width, height, "career-chart-title", "career-chart-desc", "chart career-chart");
        svg.Add(Svg.El("title", new XAttribute("id", "career-chart-title"), "Career chart"),
            Svg.El("desc", new XAttribute("id", "career-chart-desc"),
                $"{Bands.Count} roles from {Start:yyyy-MM-dd} to today, {Steps.Count} career-level steps; the table below lists them."));

        var axisY = Top + Lanes * LaneHeight + 4;
        for (var year = Start.Year + 1; year <= Today.Year; year++)
        {
            var x = X(new DateOnly(year, 1, 1));
            if (Today.Year - Start.Year > 12 && year % 2 == 1) continue;
            svg.Add(Svg.El("line", Svg.A("x1", x), Svg.A("x2", x), Svg.A("y1", Top - 4), Svg.A("y2", axisY), new XAttribute("class", "grid")),
                Svg.El("text", Svg.A("x", x), Svg.A("y", axisY + 16), new XAttribute("class", "axis"), new XAttribute("text-anchor", "middle"),
                    year.ToString(CultureInfo.InvariantCulture)));
        }
        foreach (var band in Bands)
        {
            var x = X(band.From);
            var w = Math.Max(2, X(band.To ?? Today) - x);
            var y = LaneY(band.Lane);
            svg.Add(Svg.El("g", new XAttribute("class", $"band family-{band.Family.Wire()}"),
                Svg.El("title", $"{band.Title} at {band.Organisation}, {band.From:yyyy-MM-dd} to {(band.To is { } to ? to.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) : "now")}"),
                Svg.El("rect", Svg.A("x", x), Svg.A("y", y), Svg.A("width", w), Svg.A("height", LaneHeight - 6), Svg.A("rx", 3)),
                w > 90 ? Svg.El("text", Svg.A("x", x + 5), Svg.A("y", y + 17), new XAttribute("class", "band-label"), Clip(band.Title, w)) : null));
        }
        foreach (var (on, level) in Steps)
        {
            var x = X(on);
            svg.Add(Svg.El("g", new XAttribute("class", "step"),
                Svg.El("line", Svg.A("x1", x), Svg.A("x2", x), Svg.A("y1", 14), Svg.A("y2", axisY)),
                Svg.El("text", Svg.A("x", Math.Min(x + 3, Right - 60)), Svg.A("y", 12), new XAttribute("class", "step-label"), level.Wire())));
        }
        return svg.ToString(SaveOptions.DisableFormatting);
    }

    private static string Clip(string text, double width)
    {
        var fits = (int)(width / 7.5);
        return text.Length <= fits ? text : text[..Math.Max(1, fits - 1)] + "…";
    }
}

/// <summary>One cycle's CPD drawn as a stacked bar per 12-month period, with the period minimum and the professional-experience minimum.</summary>
public sealed record CpdChart(CycleView Cycle, CpdRuleSet Rules)
{
    private const double Width = 640, Left = 44, Bottom = 230, Top = 20, BarWidth = 120;
    private static readonly CpdCategory[] Stack = [CpdCategory.ProfessionalExperience, CpdCategory.ProfessionalEducation, CpdCategory.Community];

    public decimal Max => Math.Max(Rules.PeriodMinimum + 5, Cycle.Periods.Select(p => p.ByCategory.Values.Sum(c => c.Logged)).DefaultIfEmpty(0).Max());

    public double Y(decimal points) => Math.Round(Bottom - (Bottom - Top) * (double)(points / Max), 1);

    public decimal ExperienceMinimum => Rules.CategoryMinimums.GetValueOrDefault(CpdCategory.ProfessionalExperience);

    public string Render(string id)
    {
        var svg = Svg.Root(Width, Bottom + 40, $"{id}-title", $"{id}-desc", "chart cpd-chart");
        svg.Add(Svg.El("title", new XAttribute("id", $"{id}-title"), $"CPD points of {Cycle.CertificationCode}, cycle from {Cycle.Start:yyyy-MM-dd}"),
            Svg.El("desc", new XAttribute("id", $"{id}-desc"), string.Join(" ", Cycle.Periods.Select((p, i) => string.Create(CultureInfo.InvariantCulture,
                $"Period {i + 1} ({p.Start:yyyy-MM-dd} to {p.End:yyyy-MM-dd}): {p.CountedPoints:0.#} of {Rules.PeriodMinimum:0} points counted{(p.Met ? ", met" : "")}.")))));

        for (var points = 0m; points <= Max; points += 5)
            svg.Add(Svg.El("text", Svg.A("x", Left - 6), Svg.A("y", Y(points) + 4), new XAttribute("class", "axis"), new XAttribute("text-anchor", "end"),
                points.ToString("0", CultureInfo.InvariantCulture)));

        for (var i = 0; i < Cycle.Periods.Count; i++)
        {
            var period = Cycle.Periods[i];
            var x = Left + 30 + i * (BarWidth + 60);
            var bar = new XElement(Svg.Ns + "g", new XAttribute("class", "bar"));
            var stacked = 0m;
            foreach (var category in Stack)
            {
                var result = period.ByCategory.GetValueOrDefault(category) ?? new CategoryResult(0, 0);
                if (result.Counted > 0)
                    bar.Add(Segment(x, stacked, result.Counted, $"cat-{category.Wire()}", $"{category.Wire()}: {result.Counted:0.#} points counted"));
                stacked += result.Counted;
            }
            foreach (var category in Stack)
            {
                var result = period.ByCategory.GetValueOrDefault(category) ?? new CategoryResult(0, 0);
                var capped = result.Logged - result.Counted;
                if (capped > 0) bar.Add(Segment(x, stacked, capped, "capped", $"{category.Wire()}: {capped:0.#} points over the cap, not counted"));
                stacked += Math.Max(0, capped);
            }
            bar.Add(Svg.El("text", Svg.A("x", x + BarWidth / 2), Svg.A("y", Bottom + 18), new XAttribute("class", "axis"), new XAttribute("text-anchor", "middle"),
                $"{period.Start:yyyy}–{period.End:yy}"),
                Svg.El("text", Svg.A("x", x + BarWidth / 2), Svg.A("y", Y(stacked) - 6), new XAttribute("class", "value"), new XAttribute("text-anchor", "middle"),
                    period.CountedPoints.ToString("0.#", CultureInfo.InvariantCulture)));
            svg.Add(bar);
        }

        svg.Add(Line(Rules.PeriodMinimum, "minimum", $"{Rules.PeriodMinimum:0} per period"),
            Line(ExperienceMinimum, "experience-minimum", $"{ExperienceMinimum:0} professional experience"),
            Svg.El("line", Svg.A("x1", Left), Svg.A("x2", Width - 10), Svg.A("y1", Bottom), Svg.A("y2", Bottom), new XAttribute("class", "baseline")));
        return svg.ToString(SaveOptions.DisableFormatting);
    }

    private XElement Segment(double x, decimal from, decimal points, string css, string title) =>
        Svg.El("rect", new XAttribute("class", css), Svg.A("x", x), Svg.A("y", Y(from + points)), Svg.A("width", BarWidth),
            Svg.A("height", Math.Max(0.5, Y(from) - Y(from + points))), Svg.El("title", title));

    private XElement Line(decimal points, string css, string label) =>
        Svg.El("g", new XAttribute("class", css),
            Svg.El("line", Svg.A("x1", Left), Svg.A("x2", Width - 10), Svg.A("y1", Y(points)), Svg.A("y2", Y(points))),
            Svg.El("text", Svg.A("x", Width - 12), Svg.A("y", Y(points) - 4), new XAttribute("text-anchor", "end"), label));
}

/// <summary>Inline SVG built as XML, so every label is escaped and nothing needs an inline style (the CSP allows none).</summary>
internal static class Svg
{
    public static readonly XNamespace Ns = "http://www.w3.org/2000/svg";

    public static XElement Root(double width, double height, string titleId, string descId, string css) =>
        new(Ns + "svg", new XAttribute("viewBox", string.Create(CultureInfo.InvariantCulture, $"0 0 {width} {height}")),
            new XAttribute("role", "img"), new XAttribute("aria-labelledby", $"{titleId} {descId}"), new XAttribute("class", css),
            new XAttribute("focusable", "false"));

    public static XElement El(string name, params object?[] content) => new(Ns + name, content.Where(c => c is not null).ToArray());

    public static XAttribute A(string name, double value) => new(name, value.ToString("0.#", CultureInfo.InvariantCulture));
}
