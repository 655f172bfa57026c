/** The part of jStat (https://github.com/jstat/jstat) the experiment statistics use; the package ships no types. */
declare module 'jstat' {
  interface Distribution {
    cdf(x: number, ...params: number[]): number;
    inv(p: number, ...params: number[]): number;
  }
  const jStat: { normal: Distribution; chisquare: Distribution };
  export default jStat;
}
