//! Prices and costs for the forecast, in ten-thousandths of the currency unit: Meta's price
//! per marketing message has four decimals (US$ 0.0625), a provider's resale price two.

/// Currencies an admin can choose, with the sign shown before amounts.
pub const CURRENCIES: [(&str, &str); 3] = [("BRL", "R$"), ("USD", "US$"), ("EUR", "€")];

/// Ten-thousandths in one unit.
const UNIT: u64 = 10_000;
/// Largest price per message accepted (1.000,00).
const MAX_PRICE: u64 = 1_000 * UNIT;

/// A price typed as "0,35", "0.0625" or "1" (up to four decimals), in ten-thousandths.
pub fn parse_price(text: &str) -> Result<u64, &'static str> {
    let t = text.trim().replace(',', ".");
    const INVALID: &str = "Informe o preço com até quatro casas decimais, como 0,35.";
    let (whole, frac) = t.split_once('.').unwrap_or((&t, ""));
    if whole.is_empty() && frac.is_empty()
        || frac.len() > 4
        || !whole.chars().all(|c| c.is_ascii_digit())
        || !frac.chars().all(|c| c.is_ascii_digit())
    {
        return Err(INVALID);
    }
    let whole: u64 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| INVALID)?
    };
    let frac: u64 = format!("{frac:0<4}").parse().map_err(|_| INVALID)?;
    let price = whole
        .checked_mul(UNIT)
        .and_then(|w| w.checked_add(frac))
        .ok_or(INVALID)?;
    if price > MAX_PRICE {
        return Err("O preço por mensagem vai até 1.000,00.");
    }
    Ok(price)
}

fn sign(currency: &str) -> &str {
    CURRENCIES
        .iter()
        .find(|(code, _)| *code == currency)
        .map(|(_, s)| *s)
        .unwrap_or(currency)
}

/// `amount` (ten-thousandths) as Brazilians write money, to the cent: "R$ 1.234,56".
pub fn format_money(amount: u64, currency: &str) -> String {
    let cents = (amount + 50) / 100;
    format!(
        "{} {},{:02}",
        sign(currency),
        super::number::thousands(cents / 100),
        cents % 100
    )
}

/// A price with as many decimals as it has (two at least): "R$ 0,35", "US$ 0,0625".
pub fn format_price(price: u64, currency: &str) -> String {
    let mut frac = format!("{:04}", price % UNIT);
    while frac.len() > 2 && frac.ends_with('0') {
        frac.pop();
    }
    format!(
        "{} {},{frac}",
        sign(currency),
        super::number::thousands(price / UNIT)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_parse_with_comma_or_point_and_four_decimals_at_most() {
        assert_eq!(parse_price("0,35"), Ok(3_500));
        assert_eq!(parse_price(" 0.0625 "), Ok(625));
        assert_eq!(parse_price("1"), Ok(10_000));
        assert_eq!(parse_price(",5"), Ok(5_000));
        assert_eq!(parse_price("1000"), Ok(10_000_000));
        for bad in ["", ",", "abc", "0,12345", "-1", "1.000,00", "1e3", "1001"] {
            assert!(parse_price(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn amounts_are_written_as_brazilians_write_money() {
        assert_eq!(format_money(3_500, "BRL"), "R$ 0,35");
        assert_eq!(format_money(12_345_678_900, "BRL"), "R$ 1.234.567,89");
        // Rounded to the cent: 3 × US$ 0.0625 is US$ 0.1875.
        assert_eq!(format_money(1_875, "USD"), "US$ 0,19");
        assert_eq!(format_price(625, "USD"), "US$ 0,0625");
        assert_eq!(format_price(3_500, "BRL"), "R$ 0,35");
        assert_eq!(format_price(10_000, "EUR"), "€ 1,00");
    }
}
