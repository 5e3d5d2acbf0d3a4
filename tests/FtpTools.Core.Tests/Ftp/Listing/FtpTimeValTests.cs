using System;
using FtpTools.Core.Ftp.Listing;
using Xunit;

namespace FtpTools.Core.Tests.Ftp.Listing;

public class FtpTimeValTests
{
    // "213 20261121133418" was vsftpd's, pure-ftpd's and proftpd's MDTM reply for the same file.
    [Theory]
    [InlineData("20261121133418", 2026, 11, 21, 13, 34, 18, 0L)]
    [InlineData(" 20200101000000 ", 2020, 1, 1, 0, 0, 0, 0L)]
    [InlineData("20240116141500.123", 2024, 1, 16, 14, 15, 0, 1_230_000L)]
    [InlineData("20240116141500.5", 2024, 1, 16, 14, 15, 0, 5_000_000L)]
    [InlineData("20240116141500.123456789", 2024, 1, 16, 14, 15, 0, 1_234_567L)]
    [InlineData("20240229235959", 2024, 2, 29, 23, 59, 59, 0L)]
    [InlineData("20161231235960", 2016, 12, 31, 23, 59, 59, 9_999_999L)]
    [InlineData("00010101000000", 1, 1, 1, 0, 0, 0, 0L)]
    public void Parses_time_values_as_utc(string text, int year, int month, int day, int hour, int minute, int second, long fractionTicks)
    {
        Assert.True(FtpTimeVal.TryParse(text, out var utc));
        Assert.Equal(new DateTime(year, month, day, hour, minute, second, DateTimeKind.Utc).AddTicks(fractionTicks), utc);
        Assert.Equal(DateTimeKind.Utc, utc.Kind);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("2024011614150")]
    [InlineData("2024011614150a")]
    [InlineData("20241316141500")]
    [InlineData("20240230000000")]
    [InlineData("20230229000000")]
    [InlineData("20240116241500")]
    [InlineData("20240116146000")]
    [InlineData("20240116141561")]
    [InlineData("00000101000000")]
    [InlineData("20240116141500.")]
    [InlineData("20240116141500.x")]
    [InlineData("20240116141500 extra")]
    [InlineData("213 20240116141500")]
    [InlineData("-2024011614150")]
    public void Rejects_malformed_time_values(string? text)
    {
        Assert.False(FtpTimeVal.TryParse(text, out _));
    }

    [Fact]
    public void Formats_utc_for_mfmt_without_fraction()
    {
        var time = new DateTime(2024, 1, 16, 14, 15, 7, 999, DateTimeKind.Utc);
        Assert.Equal("20240116141507", FtpTimeVal.Format(time));
    }

    [Fact]
    public void Formats_local_times_converted_to_utc_and_unspecified_as_utc()
    {
        var utc = new DateTime(2024, 7, 1, 23, 30, 0, DateTimeKind.Utc);
        Assert.Equal("20240701233000", FtpTimeVal.Format(utc.ToLocalTime()));
        Assert.Equal("20240701233000", FtpTimeVal.Format(DateTime.SpecifyKind(utc, DateTimeKind.Unspecified)));
    }

    [Theory]
    [InlineData("20261121133418")]
    [InlineData("19700101000000")]
    [InlineData("99991231235959")]
    public void Format_and_parse_round_trip(string text)
    {
        Assert.True(FtpTimeVal.TryParse(text, out var utc));
        Assert.Equal(text, FtpTimeVal.Format(utc));
    }
}
