//! Deterministic randomness for the simulator: one seeded generator (SplitMix64) and the
//! distributions scenarios name. The same seed gives the same run, on any machine.

use serde::{Deserialize, Serialize};

pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in (0, 1]: never 0, so `ln` is finite.
    pub fn unit(&mut self) -> f64 {
        ((self.next_u64() >> 11) as f64 + 1.0) / (1u64 << 53) as f64
    }

    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() <= p
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    pub fn exponential(&mut self, mean: f64) -> f64 {
        -mean * self.unit().ln()
    }

    /// Standard normal (Box-Muller).
    fn normal(&mut self) -> f64 {
        let (u, v) = (self.unit(), self.unit());
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }
}

/// A duration distribution as a scenario writes it: `{"dist": "exponential", "mean_s": 300}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Duration {
    pub dist: Dist,
    pub mean_s: f64,
    /// Standard deviation, for `lognormal`.
    #[serde(default)]
    pub sd_s: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dist {
    Exponential,
    Lognormal,
    Fixed,
}

impl Duration {
    pub fn sample(&self, rng: &mut Rng) -> f64 {
        match self.dist {
            Dist::Fixed => self.mean_s,
            Dist::Exponential => rng.exponential(self.mean_s),
            Dist::Lognormal => {
                // Parameters of the underlying normal from the wanted mean and sd.
                let sd = self.sd_s.unwrap_or(self.mean_s);
                let sigma2 = (1.0 + (sd * sd) / (self.mean_s * self.mean_s)).ln();
                let mu = self.mean_s.ln() - sigma2 / 2.0;
                (mu + sigma2.sqrt() * rng.normal()).exp()
            }
        }
    }

    pub fn check(&self, field: &str) -> Result<(), String> {
        if !(self.mean_s.is_finite() && self.mean_s > 0.0) {
            return Err(format!("{field}.mean_s must be above 0"));
        }
        if self.dist == Dist::Lognormal && self.sd_s.is_some_and(|sd| !(sd.is_finite() && sd > 0.0)) {
            return Err(format!("{field}.sd_s must be above 0"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mean_and_sd(samples: &[f64]) -> (f64, f64) {
        let mean = samples.iter().sum::<f64>() / samples.len() as f64;
        let var = samples.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / samples.len() as f64;
        (mean, var.sqrt())
    }

    #[test]
    fn distributions_have_the_asked_mean_and_spread() {
        let mut rng = Rng::new(7);
        let n = 200_000;
        let exp: Vec<f64> = (0..n).map(|_| rng.exponential(300.0)).collect();
        let (mean, sd) = mean_and_sd(&exp);
        // Standard error of the mean is 300/sqrt(n) ≈ 0.67 s: 2 s is three of them.
        assert!((mean - 300.0).abs() < 2.0 && (sd - 300.0).abs() < 5.0, "{mean} {sd}");
        let lognormal = Duration { dist: Dist::Lognormal, mean_s: 200.0, sd_s: Some(100.0) };
        let samples: Vec<f64> = (0..n).map(|_| lognormal.sample(&mut rng)).collect();
        let (mean, sd) = mean_and_sd(&samples);
        assert!((mean - 200.0).abs() < 1.5 && (sd - 100.0).abs() < 3.0, "{mean} {sd}");
        assert_eq!(Duration { dist: Dist::Fixed, mean_s: 5.0, sd_s: None }.sample(&mut rng), 5.0);
    }

    #[test]
    fn the_same_seed_gives_the_same_numbers() {
        let (mut a, mut b) = (Rng::new(42), Rng::new(42));
        assert!((0..100).all(|_| a.next_u64() == b.next_u64()));
    }
}
