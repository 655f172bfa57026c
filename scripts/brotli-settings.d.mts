export declare const FILE_QUALITY: number;
export declare const PARTS_QUALITY: number;
export declare function brotliParams(quality: number, size: number): Record<number, number>;
