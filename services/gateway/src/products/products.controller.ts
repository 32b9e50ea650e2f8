import { Body, Controller, Get, HttpCode, HttpStatus, NotFoundException, Param, Patch, Post, Query, Res, UseGuards } from '@nestjs/common';
import { CreateProduct, Product, ProductId, StockChange, TopProducts, TopProductsQuery } from '@contracts/catalog';
import { AdminTokenGuard, Returns } from '@platform/http';
import { ZodValidationPipe } from '@platform/validation';
import type { FastifyReply } from 'fastify';
import type { z } from 'zod';
import { CurrentUser } from '../auth/current-user.decorator.js';
import { SessionGuard } from '../auth/session.guard.js';
import { UsesSession } from '../auth/sessions.js';
import type { SessionUser } from '../auth/session-user.js';
import { ProductsService } from './products.service.js';

const productId = new ZodValidationPipe(ProductId);

@Controller('products')
export class ProductsController {
  constructor(private readonly products: ProductsService) {}

  @Post()
  @UseGuards(AdminTokenGuard)
  @Returns(Product)
  create(@Body(new ZodValidationPipe(CreateProduct)) body: z.output<typeof CreateProduct>) {
    return this.products.create(body);
  }

  @Get('top')
  @Returns(TopProducts)
  top(@Query(new ZodValidationPipe(TopProductsQuery)) { limit }: z.output<typeof TopProductsQuery>) {
    return this.products.top(limit);
  }

  @Get(':id')
  @Returns(Product)
  async get(@Param('id', productId) id: string, @Res({ passthrough: true }) reply: FastifyReply) {
    const { product, cache } = await this.products.view(id);
    void reply.header('x-cache', cache);
    if (!product) throw new NotFoundException(`product ${id} does not exist`);
    return product;
  }

  @Patch(':id/stock')
  @UseGuards(AdminTokenGuard)
  @Returns(Product)
  updateStock(@Param('id', productId) id: string, @Body(new ZodValidationPipe(StockChange)) { stock }: z.output<typeof StockChange>) {
    return this.products.updateStock(id, stock);
  }

  /** The logged-in user watches the product: the email goes to the account's address. */
  @Post(':id/watch')
  @UsesSession()
  @UseGuards(SessionGuard)
  @HttpCode(HttpStatus.NO_CONTENT)
  async watch(@Param('id', productId) id: string, @CurrentUser() user: SessionUser) {
    await this.products.watch(id, user.email);
  }
}
